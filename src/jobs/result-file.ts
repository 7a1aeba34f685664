/**
 * The results workbook a job wrote while it ran (live-results-xlsx.ts), kept in the database so
 * that any server process can send it (migration 0016): its parts in jobs.result_file_part (1 MB
 * each, parts.ts), then its head in jobs.result_file, which makes it count. It stands for the
 * job's rows as long as they carry the networks version it was written at: a re-test after a
 * networks import bumps that version on the rows it re-evaluates (retest.ts), and the workbook is
 * then written again from the rows.
 */
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Queryable, Store } from '../store/store.js';
import { readParts, writeParts } from './parts.js';

/**
 * Stores a job's workbook from its file, replacing any: the old one is dropped first, the parts
 * go in one statement each (no transaction holds the database meanwhile), the head last.
 */
export async function storeResultXlsx(
  db: Store,
  jobId: string,
  networksVersion: number,
  path: string,
): Promise<void> {
  await dropResultXlsx(db, [jobId]);
  const file = await open(path);
  try {
    const parts = await writeParts(db, 'jobs.result_file_part', jobId, file);
    await db.query(
      `INSERT INTO jobs.result_file (job_id, networks_version, parts, size) VALUES ($1, $2, $3, $4)`,
      [jobId, networksVersion, parts, (await file.stat()).size],
    );
  } finally {
    await file.close();
  }
}

/**
 * The stored workbook of a job (parts and bytes), or null when there is none or its rows have been
 * re-tested since (jobs.job.rows_version, migration 0017: not a read of the rows).
 */
export async function storedResult(
  db: Queryable,
  jobId: string,
): Promise<{ parts: number; size: number } | null> {
  const [f] = await db.query<{ parts: number; size: number }>(
    `SELECT f.parts, f.size::float8 AS size
       FROM jobs.result_file f JOIN jobs.job j ON j.id = f.job_id
      WHERE f.job_id = $1 AND (j.rows_version IS NULL OR j.rows_version <= f.networks_version)`,
    [jobId],
  );
  return f ?? null;
}

/**
 * The stored workbook of a job as a stream, one part read at a time (memory stays flat whatever
 * its size). Fails if a part has gone meanwhile (a re-test dropped it): send its size first, so
 * that a client can tell the file is cut.
 */
export function storedResultStream(db: Store, jobId: string, parts: number): Readable {
  return Readable.from(readParts(db, 'jobs.result_file_part', jobId, parts), { highWaterMark: 1 });
}

/** Drops the workbooks of these jobs (a re-test has rewritten their rows; or one is stored again). */
export async function dropResultXlsx(db: Queryable, jobIds: readonly string[]): Promise<void> {
  if (!jobIds.length) return;
  // the head first: a reader never counts a workbook whose parts are going
  await db.query(`DELETE FROM jobs.result_file WHERE job_id = ANY($1::text[])`, [jobIds]);
  await db.query(`DELETE FROM jobs.result_file_part WHERE job_id = ANY($1::text[])`, [jobIds]);
}
