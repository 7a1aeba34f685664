/**
 * Runs a bulk eligibility job (contract §3, `POST /v1/eligibility/bulk` and `batid eligibility`):
 * reads its input from jobs.job, evaluates its rows by chunks (src/networks/bulk-eligibility.ts)
 * and commits each chunk's results (one jobs.eligibility_chunk row) before its progress. A job
 * taken over after a crash drops the chunks past its committed progress and goes on from there.
 */
import { addressServiceOf } from '../address/address-service.js';
import { evaluateRows } from '../networks/bulk-eligibility.js';
import { CHUNK_COPY_COLUMNS, chunkCopy, resultChunk } from './bulk-results.js';
import { heatingCacheOf, networkServiceOf } from '../networks/eligibility-service.js';
import type { Store } from '../store/store.js';
import { BulkInputError, parseBulkInput, type BulkInputOptions } from './bulk-input.js';
import type { BulkRow } from './bulk-row.js';
import { LiveResultsXlsx } from './live-results-xlsx.js';
import { storeResultXlsx } from './result-file.js';
import {
  eligibleDone,
  finishJob,
  heartbeat,
  jobInfo,
  jobInput,
  releaseJob,
  type JobInfo,
} from './job-store.js';
import { addBulkJobTests } from '../stats/usage.js';

export const CHUNK_ROWS = 2000;

/**
 * The workbook is a head start, never a reason for a job to fail: when it cannot be started,
 * finished (its worker failed) or stored, the job goes on without it and the download writes it
 * from the rows.
 */
function withoutWorkbook(id: string, err: unknown): null {
  process.emitWarning(`job ${id}: the results workbook will be written from the rows (${String(err)})`);
  return null;
}

export interface RunOptions {
  onProgress?: (done: number, total: number) => void;
  /** Asked after each chunk: true gives the job back to the queue (the server is stopping). */
  shouldStop?: () => boolean;
  /**
   * Runs after the last row is committed and before the job is marked done: the CLI writes its
   * file there, so a process killed while writing leaves the job unfinished and the same command
   * resumes it (every row already stored) instead of starting a new one. `xlsx` is the file of
   * the results workbook written while the job ran, when it was (see `liveXlsx`); it is removed
   * once this returns.
   */
  beforeFinish?: (xlsx: string | null) => Promise<void>;
  /**
   * Write the results workbook while the job runs, on a worker thread (live-results-xlsx.ts):
   * default true. Only a job run from its first row gets one; a resumed job's is rebuilt from its
   * rows when asked for.
   */
  liveXlsx?: boolean;
  /** Keep that workbook with the job for the download route (result-file.ts): default true. */
  storeXlsx?: boolean;
}

/** Runs a job this process has claimed (job-store.ts claimJob) to its end; its final state. */
export async function runEligibilityJob(store: Store, id: string, opts: RunOptions = {}): Promise<JobInfo> {
  const [job] = await store.query<{ options: BulkInputOptions; rows_done: number }>(
    `SELECT options, rows_done FROM jobs.job WHERE id = $1`,
    [id],
  );
  if (!job) throw new Error(`no job ${id}`);
  const bytes = await jobInput(store, id);
  let live: LiveResultsXlsx | null = null;
  let committing: Promise<void> = Promise.resolve();
  try {
    const input = parseBulkInput(bytes, job.options);
    const total = input.countRows();
    await store.query(`UPDATE jobs.job SET rows_total = $2, reading = $3::jsonb WHERE id = $1`, [
      id,
      total,
      JSON.stringify({
        separator: input.separator,
        has_header: input.hasHeader,
        encoding: input.encoding,
        mode: input.mode,
        columns: input.columns,
        header: input.header,
      }),
    ]);
    // chunks past the committed progress were written by a process that died before committing it
    await store.query(`DELETE FROM jobs.eligibility_chunk WHERE job_id = $1 AND first_row >= $2`, [
      id,
      job.rows_done,
    ]);
    const addresses = input.mode === 'address' ? await addressServiceOf(store).ready() : null;
    const { index: networks, version } = await networkServiceOf(store).ready();
    const ctx = {
      db: store,
      addresses,
      networks,
      networksVersion: version,
      heating: await heatingCacheOf(store).fresh(),
    };
    let done = job.rows_done;
    let eligible = done > 0 ? await eligibleDone(store, id, done) : 0;
    let k = 0;
    let chunk: BulkRow[] = [];
    live =
      opts.liveXlsx !== false && job.rows_done === 0
        ? await LiveResultsXlsx.start(input.header ?? []).catch((err: unknown) => withoutWorkbook(id, err))
        : null;
    // A chunk is evaluated while the one before it is being committed: the database stores it
    // while this thread works. Rows still go in before the progress that counts them, and a
    // chunk's rows only after the previous chunk's progress.
    const flush = async () => {
      const results = resultChunk(await evaluateRows(ctx, chunk, done));
      const { line, body } = chunkCopy(id, results);
      done += chunk.length;
      eligible += results.eligible;
      chunk = [];
      await committing;
      const upTo = done;
      const eligibleUpTo = eligible;
      committing = (async () => {
        await store.copyFrom('jobs.eligibility_chunk', CHUNK_COPY_COLUMNS, [line]);
        await heartbeat(store, id, upTo, eligibleUpTo);
        opts.onProgress?.(upTo, total);
      })();
      // awaited before the next chunk's commit or before the job ends; never left unhandled
      committing.catch(() => undefined);
      // handed over to the worker: after the COPY line is made from it, not used here again
      await live?.add(body);
    };
    opts.onProgress?.(done, total);
    for (const row of input.rows) {
      if (k++ < job.rows_done) continue;
      chunk.push(row);
      if (chunk.length >= CHUNK_ROWS) {
        await flush();
        if (opts.shouldStop?.()) {
          await committing;
          await releaseJob(store, id);
          return (await jobInfo(store, id))!;
        }
      }
    }
    if (chunk.length) await flush();
    await committing;
    // closing the workbook and what comes before finishing take time: the job is still held
    const beforeDone = async (xlsx: string | null) => {
      await heartbeat(store, id, done, eligible);
      if (xlsx && opts.storeXlsx !== false)
        // apart from the job's own writes: a workbook that cannot be stored costs the head start, not the job
        await storeResultXlsx(store, id, version, xlsx).catch((err: unknown) => withoutWorkbook(id, err));
      await opts.beforeFinish?.(xlsx);
    };
    if (live) {
      let closed = false;
      try {
        await live.finish((path) => {
          closed = true;
          return beforeDone(path);
        });
      } catch (err) {
        if (closed) throw err; // from beforeFinish (the CLI's file): the job's own failure
        await beforeDone(withoutWorkbook(id, err));
      }
    } else await beforeDone(null);
    // its rows count in the public statistics once: in the transaction that marks it done
    await store.transaction(async (tx) => {
      await addBulkJobTests(tx, id);
      await finishJob(tx, id, null);
    });
  } catch (err) {
    if (!(err instanceof BulkInputError)) throw err;
    await committing.catch(() => undefined);
    await finishJob(store, id, `${err.code}: ${err.message}`);
  } finally {
    // on an error, the chunk being committed finishes (or fails) before the caller gives the job up
    await committing.catch(() => undefined);
    await live?.abort();
  }
  return (await jobInfo(store, id))!;
}
