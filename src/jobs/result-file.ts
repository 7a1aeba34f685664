/**
 * The results workbook a job wrote while it ran (live-results-xlsx.ts), kept in jobs.result_file
 * (migration 0014) in 1 MB parts (parts.ts) so that any server process can send it. It stands for
 * the job's rows as long as they carry the networks version it was written at: a re-test after a
 * networks import bumps that version on the rows it re-evaluates (retest.ts), and the workbook is
 * then written again from the rows.
 */
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Queryable, Store } from '../store/store.js';
import { partsOf, readParts } from './parts.js';

/** Stores a job's workbook from its file, a part at a time, replacing any, in one transaction. */
export async function storeResultXlsx(
  db: Store,
  jobId: string,
  networksVersion: number,
  path: string,
): Promise<void> {
  const file = await open(path);
  try {
    await db.transaction(async (tx) => {
      await tx.query(`DELETE FROM jobs.result_file WHERE job_id = $1`, [jobId]);
      let part = 0;
      for await (const b64 of partsOf(file))
        await tx.query(
          `INSERT INTO jobs.result_file (job_id, part, networks_version, bytes) VALUES ($1, $2, $3, decode($4, 'base64'))`,
          [jobId, part++, networksVersion, b64],
        );
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
  return Readable.from(readParts(db, 'jobs.result_file', jobId, parts));
}

/** Drops the workbooks of jobs whose rows a re-test has just rewritten (they would no longer be sent). */
export async function dropResultXlsx(db: Queryable, jobIds: readonly string[]): Promise<void> {
  if (jobIds.length) await db.query(`DELETE FROM jobs.result_file WHERE job_id = ANY($1::text[])`, [jobIds]);
}
