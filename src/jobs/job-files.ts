/**
 * A job's files — its input and its results workbook — beside an embedded database rather than
 * in it: `<data dir>.jobs/<job id>/input` and `…/result.xlsx`. PGlite's one engine runs on the
 * server's main thread, and the 1 MB parts of a 100,000-row job (5 MB of input, 10 MB of
 * workbook) held it ~0.8 s per job, written and read back (BENCHMARKS.md "bulk"); one process owns
 * an embedded database, so a file beside it is seen by every reader it has. A server database
 * keeps them in parts (parts.ts): the processes of several machines share only the database.
 *
 * A file is written under a temporary name and renamed into place before the database row that
 * makes it count (the job, the workbook's head), so a reader never sees half a file; a process
 * that dies in between leaves a file nothing counts, which `batid serve` removes at start
 * (`sweepJobFiles`).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Queryable, Store } from '../store/store.js';

export type JobFileName = 'input' | 'result.xlsx';

/** Where an embedded store keeps its jobs' files; null for a server database (parts in it). */
export function jobFilesDir(store: Pick<Store, 'kind' | 'location'>): string | null {
  return store.kind === 'embedded' ? `${resolve(store.location)}.jobs` : null;
}

export function jobFilePath(dir: string, jobId: string, name: JobFileName): string {
  if (!/^[\w-]+$/.test(jobId)) throw new Error(`bad job id "${jobId}"`);
  return join(dir, jobId, name);
}

/** Puts a job's file in place, replacing the one there: `bytes`, or a copy of the file at `from`. */
export async function putJobFile(
  dir: string,
  jobId: string,
  name: JobFileName,
  source: { bytes: Uint8Array } | { from: string },
): Promise<void> {
  const path = jobFilePath(dir, jobId, name);
  await mkdir(join(dir, jobId), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    if ('bytes' in source) await writeFile(tmp, source.bytes);
    else await copyFile(source.from, tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** What `read` gives, or null when the file is not there. */
async function unlessMissing<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** A job's file, or null when there is none. */
export function readJobFile(dir: string, jobId: string, name: JobFileName): Promise<Buffer | null> {
  return unlessMissing(readFile(jobFilePath(dir, jobId, name)));
}

/** The size of a job's file, or null when there is none. */
export async function jobFileSize(dir: string, jobId: string, name: JobFileName): Promise<number | null> {
  return (await unlessMissing(stat(jobFilePath(dir, jobId, name))))?.size ?? null;
}

export async function removeJobFile(dir: string, jobId: string, name: JobFileName): Promise<void> {
  await rm(jobFilePath(dir, jobId, name), { force: true });
}

/**
 * Removes what processes that died left among an embedded store's jobs' files: the folder of a
 * job never stored (killed between its input file and its row), a workbook whose head was never
 * stored (killed between the file and jobs.result_file), temporary files (killed while writing).
 * For `batid serve` at start, before it answers: one process owns an embedded database, so none
 * of them is being written then. How many entries it removed.
 */
export async function sweepJobFiles(store: Pick<Store, 'kind' | 'location'> & Queryable): Promise<number> {
  const dir = jobFilesDir(store);
  if (!dir) return 0;
  const entries = (await unlessMissing(readdir(dir, { withFileTypes: true }))) ?? [];
  const ids = entries.filter((e) => e.isDirectory() && /^[\w-]+$/.test(e.name)).map((e) => e.name);
  if (!ids.length) return 0;
  const jobs = new Set(
    (await store.query<{ id: string }>(`SELECT id FROM jobs.job WHERE id = ANY($1::text[])`, [ids])).map(
      (r) => r.id,
    ),
  );
  const workbooks = new Set(
    (
      await store.query<{ id: string }>(
        `SELECT job_id AS id FROM jobs.result_file WHERE in_file AND job_id = ANY($1::text[])`,
        [ids],
      )
    ).map((r) => r.id),
  );
  let removed = 0;
  for (const id of ids) {
    if (!jobs.has(id)) {
      await rm(join(dir, id), { recursive: true, force: true });
      removed++;
      continue;
    }
    for (const name of await readdir(join(dir, id))) {
      if (name.endsWith('.tmp') || (name === 'result.xlsx' && !workbooks.has(id))) {
        await rm(join(dir, id, name), { force: true });
        removed++;
      }
    }
  }
  return removed;
}
