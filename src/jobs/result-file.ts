/**
 * The results workbook a job wrote while it ran (live-results-xlsx.ts), kept in jobs.result_file
 * (migration 0014) so that any server process can send it. It stands for the job's rows as long as
 * they carry the networks version it was written at: a re-test after a networks import bumps that
 * version on the rows it re-evaluates (retest.ts), and the workbook is then rebuilt from the rows.
 * It is kept in 1 MB parts, each travelling as base64 text: PGlite converts a bytea parameter byte
 * by byte (job-store.ts), and its memory grows with the largest message it is sent, for good.
 */
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Queryable, Store } from '../store/store.js';

const PART_BYTES = 1 << 20;

/** Stores a job's workbook from its file, 1 MB at a time, replacing any, in one transaction. */
export async function storeResultXlsx(
  db: Store,
  jobId: string,
  networksVersion: number,
  path: string,
): Promise<void> {
  const file = await open(path);
  try {
    const buf = Buffer.alloc(PART_BYTES);
    await db.transaction(async (tx) => {
      await tx.query(`DELETE FROM jobs.result_file WHERE job_id = $1`, [jobId]);
      for (let part = 0; ; part++) {
        const { bytesRead } = await file.read(buf, 0, PART_BYTES, part * PART_BYTES);
        if (!bytesRead) break;
        await tx.query(
          `INSERT INTO jobs.result_file (job_id, part, networks_version, bytes) VALUES ($1, $2, $3, decode($4, 'base64'))`,
          [jobId, part, networksVersion, buf.subarray(0, bytesRead).toString('base64')],
        );
      }
    });
  } finally {
    await file.close();
  }
}

/** How many parts the stored workbook of a job has; 0 when there is none or its rows have been re-tested since. */
export async function storedResultParts(db: Queryable, jobId: string): Promise<number> {
  const [f] = await db.query<{ parts: number }>(
    `SELECT count(*)::int AS parts FROM jobs.result_file f
      WHERE f.job_id = $1
        AND f.networks_version = (SELECT max(r.networks_version) FROM jobs.eligibility_row r WHERE r.job_id = $1)`,
    [jobId],
  );
  return f?.parts ?? 0;
}

/**
 * The stored workbook of a job as a stream, one part read at a time (memory stays flat whatever
 * its size). Fails if a part has gone meanwhile (a re-test dropped it).
 */
export function storedResultStream(db: Queryable, jobId: string, parts: number): Readable {
  return Readable.from(
    (async function* () {
      for (let part = 0; part < parts; part++) {
        const [p] = await db.query<{ b64: string }>(
          `SELECT encode(bytes, 'base64') AS b64 FROM jobs.result_file WHERE job_id = $1 AND part = $2`,
          [jobId, part],
        );
        if (!p) throw new Error(`job ${jobId}: part ${part} of its stored workbook is gone`);
        yield Buffer.from(p.b64, 'base64');
      }
    })(),
  );
}

/** Drops the workbooks of jobs whose rows a re-test has just rewritten (they would no longer be sent). */
export async function dropResultXlsx(db: Queryable, jobIds: readonly string[]): Promise<void> {
  if (jobIds.length) await db.query(`DELETE FROM jobs.result_file WHERE job_id = ANY($1::text[])`, [jobIds]);
}
