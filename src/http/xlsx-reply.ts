import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import { makeTempDir } from '../util/temp-dir.js';

/**
 * Sends a workbook written by `write` into a temp file (an XLSX is a zip: its directory comes
 * last, so it is written whole before the first byte goes out); the file is removed once sent.
 */
export async function sendXlsx(
  reply: FastifyReply,
  filename: string,
  write: (path: string) => Promise<void>,
): Promise<FastifyReply> {
  const dir = await makeTempDir('xlsx');
  const path = join(dir, filename);
  try {
    await write(path);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const stream = createReadStream(path);
  stream.once('close', () => void rm(dir, { recursive: true, force: true }));
  return sendXlsxBytes(reply, filename, stream);
}

/** Sends a workbook already written (a stream of its bytes). */
export function sendXlsxBytes(
  reply: FastifyReply,
  filename: string,
  body: NodeJS.ReadableStream,
): FastifyReply {
  return reply
    .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(body);
}
