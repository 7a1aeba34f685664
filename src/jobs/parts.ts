/**
 * Files of jobs kept in the database in 1 MB parts, one row each (a job's input, jobs.job_input;
 * its results workbook, jobs.result_file_part), one statement each. No statement carries a whole
 * file: PGlite's memory grows with the largest message it is sent, for good, and it converts a
 * bytea parameter byte by byte (a 5 MB file: 1.9 s as bytea, 0.3 s as base64), so there a part
 * travels as base64 text; a PostgreSQL server takes it as a binary parameter (no encoding on
 * either side: a 15 MB workbook stored in 0.16–0.24 s instead of 0.4–0.5 s, first write of a process).
 * Nor does one transaction hold a whole file: it would hold PGlite's single engine meanwhile.
 * Whoever writes parts makes them count with one last row (the job, the workbook's head).
 */
import type { FileHandle } from 'node:fs/promises';
import type { Store } from '../store/store.js';

const PART_BYTES = 1 << 20;
/**
 * Parts in flight at once, written or read ahead: on a server they go through the pool side by
 * side (one at a time, a 15 MB workbook took ~0.5 s to store and ~0.5 s to read back on the bench,
 * each part a round trip); PGlite runs them one after another anyway. Memory: this many parts.
 */
const IN_FLIGHT = 3;

/** The tables that hold parts: (job_id, part, bytes). */
export type PartsTable = 'jobs.job_input' | 'jobs.result_file_part';

/**
 * A file's bytes, or an open file read from its start, in parts of PART_BYTES. Each part is a
 * buffer of its own: a part in flight is still to be sent while the next one is read.
 */
async function* partsOf(source: Uint8Array | FileHandle): AsyncGenerator<Buffer> {
  if (source instanceof Uint8Array) {
    const b = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    for (let at = 0; at < b.length; at += PART_BYTES) yield b.subarray(at, at + PART_BYTES);
    return;
  }
  let at = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(PART_BYTES);
    // a part is full unless the file ends: a short read is completed, not stored short
    let filled = 0;
    while (filled < PART_BYTES) {
      const { bytesRead } = await source.read(buf, filled, PART_BYTES - filled, at + filled);
      if (!bytesRead) break;
      filled += bytesRead;
    }
    if (!filled) return;
    at += filled;
    yield buf.subarray(0, filled);
    if (filled < PART_BYTES) return;
  }
}

/**
 * Writes the parts of a file for a job, one statement each (`table`: job_id, part, bytes), up to
 * IN_FLIGHT at a time; how many. On a failure (a refused part, a file that cannot be read), the
 * parts in flight settle before it throws.
 */
export async function writeParts(
  db: Store,
  table: PartsTable,
  jobId: string,
  source: Uint8Array | FileHandle,
): Promise<number> {
  const binary = db.kind === 'postgres';
  const sql = binary
    ? `INSERT INTO ${table} (job_id, part, bytes) VALUES ($1, $2, $3)`
    : `INSERT INTO ${table} (job_id, part, bytes) VALUES ($1, $2, decode($3, 'base64'))`;
  let part = 0;
  const flying = new Set<Promise<unknown>>();
  const errors: unknown[] = [];
  try {
    for await (const bytes of partsOf(source)) {
      const write: Promise<unknown> = db
        .query(sql, [jobId, part++, binary ? bytes : bytes.toString('base64')])
        .catch((err: unknown) => errors.push(err))
        .finally(() => flying.delete(write));
      flying.add(write);
      if (flying.size >= IN_FLIGHT) await Promise.race(flying);
      if (errors.length) break;
    }
  } finally {
    // a file that cannot be read fails the write too: after the parts in flight, not before
    await Promise.all(flying);
  }
  if (errors.length) throw errors[0];
  return part;
}

/**
 * The parts of a job's file, in order, one query each, up to IN_FLIGHT read at once (the next
 * ones are on their way while one is handed out); fails if one is missing.
 */
export async function* readParts(
  db: Store,
  table: PartsTable,
  jobId: string,
  count: number,
): AsyncGenerator<Buffer> {
  const read = async (part: number): Promise<Buffer> => {
    const [p] = await db.query<{ b64: string }>(
      `SELECT encode(bytes, 'base64') AS b64 FROM ${table} WHERE job_id = $1 AND part = $2`,
      [jobId, part],
    );
    if (!p) throw new Error(`job ${jobId}: part ${part} of ${table} is gone`);
    return Buffer.from(p.b64, 'base64');
  };
  const ahead: Promise<Buffer>[] = [];
  let next = 0;
  try {
    for (let part = 0; part < count; part++) {
      while (next < count && ahead.length < IN_FLIGHT) {
        const r = read(next++);
        r.catch(() => undefined); // awaited in order below; never left unhandled
        ahead.push(r);
      }
      yield await ahead.shift()!;
    }
  } finally {
    // a consumer that stops early (a client gone) leaves no read running behind it
    await Promise.allSettled(ahead);
  }
}
