/**
 * Runs a bulk eligibility job (contract §3, `POST /v1/eligibility/bulk` and `batid eligibility`):
 * reads its input from jobs.job, evaluates its rows by chunks (src/networks/bulk-eligibility.ts)
 * and commits each chunk's result rows before its progress. A job taken over after a crash
 * drops the rows past its committed progress and goes on from there.
 */
import { addressServiceOf } from '../address/address-service.js';
import { copyValue } from '../ingest/values.js';
import { evaluateRows, type BulkResult } from '../networks/bulk-eligibility.js';
import { RESULT_FIELDS } from './bulk-results.js';
import { HeatingCache, networkServiceOf } from '../networks/eligibility-service.js';
import type { Store } from '../store/store.js';
import { BulkInputError, parseBulkInput, type BulkInputOptions } from './bulk-input.js';
import type { BulkRow } from './bulk-row.js';
import { finishJob, heartbeat, jobInfo, releaseJob, type JobInfo } from './job-store.js';
import { addBulkJobTests } from '../stats/usage.js';

export const CHUNK_ROWS = 2000;

/** The columns of jobs.eligibility_row written by COPY, in order. */
const ROW_COLUMNS = ['job_id', ...RESULT_FIELDS.map(([k]) => k)];

function copyLines(jobId: string, rows: readonly BulkResult[]): string {
  let out = '';
  for (const r of rows) {
    const rec = r as unknown as Record<string, unknown>;
    out += `${ROW_COLUMNS.map((c) => copyValue(c === 'job_id' ? jobId : rec[c])).join('\t')}\n`;
  }
  return out;
}

export interface RunOptions {
  onProgress?: (done: number, total: number) => void;
  /** Asked after each chunk: true gives the job back to the queue (the server is stopping). */
  shouldStop?: () => boolean;
  /**
   * Runs after the last row is committed and before the job is marked done: the CLI writes its
   * file there, so a process killed while writing leaves the job unfinished and the same command
   * resumes it (every row already stored) instead of starting a new one.
   */
  beforeFinish?: () => Promise<void>;
}

/** Runs a job this process has claimed (job-store.ts claimJob) to its end; its final state. */
export async function runEligibilityJob(store: Store, id: string, opts: RunOptions = {}): Promise<JobInfo> {
  // the file as base64 text, as it was written (job-store.ts createEligibilityJob)
  const [job] = await store.query<{ input: string; options: BulkInputOptions; rows_done: number }>(
    `SELECT encode(input, 'base64') AS input, options, rows_done FROM jobs.job WHERE id = $1`,
    [id],
  );
  if (!job) throw new Error(`no job ${id}`);
  try {
    const input = parseBulkInput(Buffer.from(job.input, 'base64'), job.options);
    let total = 0;
    for (const _ of input.rows) total++;
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
    // rows past the committed progress were written by a process that died before committing it
    await store.query(`DELETE FROM jobs.eligibility_row WHERE job_id = $1 AND row_no >= $2`, [
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
      heating: new HeatingCache(store),
    };
    let done = job.rows_done;
    let k = 0;
    let chunk: BulkRow[] = [];
    const flush = async () => {
      const results = await evaluateRows(ctx, chunk, done);
      await store.copyFrom('jobs.eligibility_row', ROW_COLUMNS, [copyLines(id, results)]);
      done += chunk.length;
      chunk = [];
      await heartbeat(store, id, done);
      opts.onProgress?.(done, total);
    };
    opts.onProgress?.(done, total);
    for (const row of input.rows) {
      if (k++ < job.rows_done) continue;
      chunk.push(row);
      if (chunk.length >= CHUNK_ROWS) {
        await flush();
        if (opts.shouldStop?.()) {
          await releaseJob(store, id);
          return (await jobInfo(store, id))!;
        }
      }
    }
    if (chunk.length) await flush();
    await opts.beforeFinish?.();
    // its rows count in the public statistics once: in the transaction that marks it done
    await store.transaction(async (tx) => {
      await addBulkJobTests(tx, id);
      await finishJob(tx, id, null);
    });
  } catch (err) {
    if (!(err instanceof BulkInputError)) throw err;
    await finishJob(store, id, `${err.code}: ${err.message}`);
  }
  return (await jobInfo(store, id))!;
}
