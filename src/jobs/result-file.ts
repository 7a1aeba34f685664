/**
 * The results workbook a job wrote while it ran (live-results-xlsx.ts), kept so that any server
 * process can send it: in a server database, its parts in jobs.result_file_part (1 MB each,
 * parts.ts, migration 0016); beside an embedded one, a file (job-files.ts, migration 0024); then
 * its head in jobs.result_file, which makes it count. It stands for the
 * job's rows as long as they carry the networks version it was written at: a re-test after a
 * networks import bumps that version on the rows it re-evaluates (retest.ts), and the workbook is
 * then written again from the rows.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Store } from '../store/store.js';
import { jobFilePath, jobFileSize, jobFilesDir, putJobFile, removeJobFile } from './job-files.js';
import { readParts, writeParts } from './parts.js';

/**
 * Stores a job's workbook from its file, replacing any: the old one is dropped first, then the
 * file goes beside an embedded database (job-files.ts; copied: the caller keeps its file) or in
 * parts into a server's (no transaction holds the database meanwhile), the head last.
 */
export async function storeResultXlsx(
  db: Store,
  jobId: string,
  networksVersion: number,
  path: string,
): Promise<void> {
  await dropResultXlsx(db, [jobId]);
  const head = `INSERT INTO jobs.result_file (job_id, networks_version, parts, size, in_file) VALUES ($1, $2, $3, $4, $5)`;
  const dir = jobFilesDir(db);
  if (dir) {
    await putJobFile(dir, jobId, 'result.xlsx', { from: path });
    const size = await jobFileSize(dir, jobId, 'result.xlsx');
    await db.query(head, [jobId, networksVersion, 0, size, true]);
    return;
  }
  const file = await open(path);
  try {
    const parts = await writeParts(db, 'jobs.result_file_part', jobId, file);
    await db.query(head, [jobId, networksVersion, parts, (await file.stat()).size, false]);
  } finally {
    await file.close();
  }
}

/** A stored workbook: its size, and where it is (a file beside the database, or `parts` parts). */
export interface StoredResult {
  size: number;
  parts: number;
  inFile: boolean;
}

/**
 * The stored workbook of a job, or null when there is none, its rows have been re-tested since
 * (jobs.job.rows_version, migration 0017: not a read of the rows), or its file is gone.
 */
export async function storedResult(db: Store, jobId: string): Promise<StoredResult | null> {
  const [f] = await db.query<StoredResult>(
    `SELECT f.parts, f.size::float8 AS size, f.in_file AS "inFile"
       FROM jobs.result_file f JOIN jobs.job j ON j.id = f.job_id
      WHERE f.job_id = $1 AND (j.rows_version IS NULL OR j.rows_version <= f.networks_version)`,
    [jobId],
  );
  if (!f?.inFile) return f ?? null;
  const dir = jobFilesDir(db);
  return dir && (await jobFileSize(dir, jobId, 'result.xlsx')) === f.size ? f : null;
}

/**
 * The stored workbook of a job as a stream: its file, or one part read at a time (memory stays
 * flat whatever its size). Fails if it has gone meanwhile (a re-test dropped it): send its size
 * first, so that a client can tell the file is cut.
 */
export function storedResultStream(db: Store, jobId: string, stored: StoredResult): Readable {
  const dir = jobFilesDir(db);
  if (stored.inFile && dir) return createReadStream(jobFilePath(dir, jobId, 'result.xlsx'));
  return Readable.from(readParts(db, 'jobs.result_file_part', jobId, stored.parts), { highWaterMark: 1 });
}

/** Drops the workbooks of these jobs (a re-test has rewritten their rows; or one is stored again). */
export async function dropResultXlsx(db: Store, jobIds: readonly string[]): Promise<void> {
  if (!jobIds.length) return;
  // the head first: a reader never counts a workbook whose parts are going
  await db.query(`DELETE FROM jobs.result_file WHERE job_id = ANY($1::text[])`, [jobIds]);
  await db.query(`DELETE FROM jobs.result_file_part WHERE job_id = ANY($1::text[])`, [jobIds]);
  const dir = jobFilesDir(db);
  if (dir) for (const id of jobIds) await removeJobFile(dir, id, 'result.xlsx');
}
