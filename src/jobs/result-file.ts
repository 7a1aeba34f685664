/**
 * The results workbook a job wrote while it ran (live-results-xlsx.ts), kept in jobs.result_file
 * (migration 0014) so that any server process can send it. It stands for the job's rows as long as
 * they carry the networks version it was written at: a re-test after a networks import bumps that
 * version on the rows it re-evaluates (retest.ts), and the workbook is then rebuilt from the rows.
 * It is kept in 1 MB parts, each travelling as base64 text: PGlite converts a bytea parameter byte
 * by byte (job-store.ts), and its memory grows with the largest message it is sent, for good.
 */
import type { Queryable, Store } from '../store/store.js';

/**
 * The largest workbook kept (a 100,000-row job's is ~15 MB): it is held whole in memory on the
 * way. A larger one, up to the ~1 M rows of a 50 MB input, is written again from the rows as a
 * stream when it is downloaded.
 */
export const RESULT_FILE_MAX_BYTES = 64 * 1024 * 1024;
const PART_BYTES = 1 << 20;

/** Stores a job's workbook, replacing any, in one transaction. */
export async function storeResultXlsx(
  db: Store,
  jobId: string,
  networksVersion: number,
  xlsx: Buffer,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`DELETE FROM jobs.result_file WHERE job_id = $1`, [jobId]);
    for (let at = 0, part = 0; at < xlsx.length; at += PART_BYTES, part++)
      await tx.query(
        `INSERT INTO jobs.result_file (job_id, part, networks_version, bytes) VALUES ($1, $2, $3, decode($4, 'base64'))`,
        [jobId, part, networksVersion, xlsx.subarray(at, at + PART_BYTES).toString('base64')],
      );
  });
}

/** The stored workbook of a job, `null` when there is none or its rows have been re-tested since. */
export async function storedResultXlsx(db: Queryable, jobId: string): Promise<Buffer | null> {
  const [f] = await db.query<{ parts: number }>(
    `SELECT count(*)::int AS parts FROM jobs.result_file f
      WHERE f.job_id = $1
        AND f.networks_version = (SELECT max(r.networks_version) FROM jobs.eligibility_row r WHERE r.job_id = $1)`,
    [jobId],
  );
  if (!f?.parts) return null;
  const parts: Buffer[] = [];
  for (let part = 0; part < f.parts; part++) {
    const [p] = await db.query<{ b64: string }>(
      `SELECT encode(bytes, 'base64') AS b64 FROM jobs.result_file WHERE job_id = $1 AND part = $2`,
      [jobId, part],
    );
    if (!p) return null; // replaced meanwhile (the job was stored again): the caller rebuilds it
    parts.push(Buffer.from(p.b64, 'base64'));
  }
  return Buffer.concat(parts);
}

/** Drops the workbooks of jobs whose rows a re-test has just rewritten (they would no longer be sent). */
export async function dropResultXlsx(db: Queryable, jobIds: readonly string[]): Promise<void> {
  if (jobIds.length) await db.query(`DELETE FROM jobs.result_file WHERE job_id = ANY($1::text[])`, [jobIds]);
}
