/**
 * Files of jobs kept in the database in 1 MB parts, one row each (a job's input, jobs.job_input;
 * its results workbook, jobs.result_file_part), each part travelling as base64 text, one
 * statement each. No statement carries a whole file: PGlite's memory grows with the largest
 * message it is sent, for good, and it converts a bytea parameter byte by byte (a 5 MB file:
 * 1.9 s as bytea, 0.3 s as base64). Nor does one transaction: it would hold PGlite's single
 * engine for the whole file. Whoever writes parts makes them count with one last row (the job,
 * the workbook's head).
 */
import type { FileHandle } from 'node:fs/promises';
import type { Queryable } from '../store/store.js';

const PART_BYTES = 1 << 20;

/** The tables that hold parts: (job_id, part, bytes). */
export type PartsTable = 'jobs.job_input' | 'jobs.result_file_part';

/** A file's bytes, or an open file read from its start, in parts of PART_BYTES (base64). */
async function* partsOf(source: Uint8Array | FileHandle): AsyncGenerator<string> {
  if (source instanceof Uint8Array) {
    const b = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    for (let at = 0; at < b.length; at += PART_BYTES)
      yield b.subarray(at, at + PART_BYTES).toString('base64');
    return;
  }
  const buf = Buffer.alloc(PART_BYTES);
  let at = 0;
  for (;;) {
    // a part is full unless the file ends: a short read is completed, not stored short
    let filled = 0;
    while (filled < PART_BYTES) {
      const { bytesRead } = await source.read(buf, filled, PART_BYTES - filled, at + filled);
      if (!bytesRead) break;
      filled += bytesRead;
    }
    if (!filled) return;
    at += filled;
    yield buf.subarray(0, filled).toString('base64');
    if (filled < PART_BYTES) return;
  }
}

/** Writes the parts of a file for a job, one statement each (`table`: job_id, part, bytes); how many. */
export async function writeParts(
  db: Queryable,
  table: PartsTable,
  jobId: string,
  source: Uint8Array | FileHandle,
): Promise<number> {
  let part = 0;
  for await (const b64 of partsOf(source))
    await db.query(`INSERT INTO ${table} (job_id, part, bytes) VALUES ($1, $2, decode($3, 'base64'))`, [
      jobId,
      part++,
      b64,
    ]);
  return part;
}

/** The parts of a job's file, in order, one query each; fails if one is missing. */
export async function* readParts(
  db: Queryable,
  table: PartsTable,
  jobId: string,
  count: number,
): AsyncGenerator<Buffer> {
  for (let part = 0; part < count; part++) {
    const [p] = await db.query<{ b64: string }>(
      `SELECT encode(bytes, 'base64') AS b64 FROM ${table} WHERE job_id = $1 AND part = $2`,
      [jobId, part],
    );
    if (!p) throw new Error(`job ${jobId}: part ${part} of ${table} is gone`);
    yield Buffer.from(p.b64, 'base64');
  }
}
