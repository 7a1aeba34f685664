/**
 * The results workbook a job wrote while it ran (live-results-xlsx.ts), kept in jobs.result_file
 * (migration 0014) so that any server process can send it. It stands for the job's rows as long as
 * they carry the networks version it was written at: a re-test after a networks import bumps that
 * version on the rows it re-evaluates (retest.ts), and the workbook is then rebuilt from the rows.
 * Bytes travel as base64 text: PGlite converts a bytea parameter byte by byte (job-store.ts).
 */
import type { Queryable } from '../store/store.js';

/**
 * The largest workbook kept (a 100,000-row job's is ~15 MB): it travels whole, in memory and in
 * one value (base64 text on the way). A larger one, up to the ~1 M rows of a 50 MB input, is
 * written again from the rows as a stream when it is downloaded.
 */
export const RESULT_FILE_MAX_BYTES = 64 * 1024 * 1024;

export async function storeResultXlsx(
  db: Queryable,
  jobId: string,
  networksVersion: number,
  xlsx: Buffer,
): Promise<void> {
  await db.query(
    `INSERT INTO jobs.result_file (job_id, networks_version, xlsx) VALUES ($1, $2, decode($3, 'base64'))
     ON CONFLICT (job_id) DO UPDATE SET networks_version = EXCLUDED.networks_version, xlsx = EXCLUDED.xlsx,
       created_at = now()`,
    [jobId, networksVersion, xlsx.toString('base64')],
  );
}

/** The stored workbook of a job, `null` when there is none or its rows have been re-tested since. */
export async function storedResultXlsx(db: Queryable, jobId: string): Promise<Buffer | null> {
  const [f] = await db.query<{ b64: string }>(
    `SELECT encode(f.xlsx, 'base64') AS b64 FROM jobs.result_file f
      WHERE f.job_id = $1
        AND f.networks_version = (SELECT max(r.networks_version) FROM jobs.eligibility_row r WHERE r.job_id = $1)`,
    [jobId],
  );
  return f ? Buffer.from(f.b64, 'base64') : null;
}

/** Drops the workbooks of jobs whose rows a re-test has just rewritten (they would no longer be sent). */
export async function dropResultXlsx(db: Queryable, jobIds: readonly string[]): Promise<void> {
  if (jobIds.length) await db.query(`DELETE FROM jobs.result_file WHERE job_id = ANY($1::text[])`, [jobIds]);
}
