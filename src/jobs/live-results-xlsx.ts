/**
 * A bulk job's results workbook written while the job runs, on a worker thread
 * (results-xlsx-worker.ts), from the same chunk bodies the job commits: the job's evaluation keeps
 * the main thread, the workbook takes the second core, and the XLSX is ready when the last row is
 * in. At most `MAX_IN_FLIGHT` chunks wait for the worker, so memory stays bounded when it falls
 * behind. A worker that fails only costs the head start: the workbook is then written from the
 * stored rows when asked for. A worker that has written its workbook is kept for the next one
 * (one at most, idle, holding no process alive): a new worker loaded its modules and had V8
 * optimise its code anew at every job (~0.2–0.3 s of CPU on the cores the job needs).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { makeTempDir } from '../util/temp-dir.js';
import type { ResultsWorkerIn, ResultsWorkerOut } from './results-xlsx-worker.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./results-xlsx-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
/** Run from the TypeScript sources (tests, dev), the worker first registers tsx (scripts/ts-worker.mjs). */
const ENTRY_URL = FROM_SOURCE ? new URL('../../scripts/ts-worker.mjs', import.meta.url) : WORKER_URL;
const MAX_IN_FLIGHT = 3;

/** The worker kept between workbooks, if any; gone from here if it exits or fails while idle. */
let idle: Worker | null = null;
const dropIdle = (w: Worker) => () => {
  if (idle === w) idle = null;
};

/** A worker for a new workbook: the idle one, else a new one. */
function takeWorker(): Worker {
  const w = idle;
  if (!w) return new Worker(ENTRY_URL, { workerData: { entry: WORKER_URL.href } });
  idle = null;
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
  w.ref();
  return w;
}

/** Keeps a worker done with its workbook for the next one, or ends it when one is kept already. */
async function keepWorker(w: Worker): Promise<void> {
  // listened to before anything else: an 'error' event with no listener would end the process
  w.on('error', dropIdle(w));
  w.on('exit', dropIdle(w));
  if (idle) {
    await w.terminate();
    return;
  }
  idle = w;
  w.unref();
}

export class LiveResultsXlsx {
  private inFlight = 0;
  private wake: (() => void)[] = [];
  private failed: Error | null = null;
  private closed: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private done = false;
  private readonly onMessage = (m: ResultsWorkerOut) => {
    if (m.kind === 'ack') {
      this.inFlight--;
      this.release();
    } else if (m.kind === 'closed') this.closed?.resolve();
    else this.fail(new Error(`results workbook: ${m.message}`));
  };
  private readonly onError = (err: Error) => this.fail(err);
  private readonly onExit = (code: number) => {
    if (!this.done) this.fail(new Error(`results workbook worker exited with code ${code}`));
  };

  private constructor(
    private readonly dir: string,
    private readonly path: string,
    private readonly worker: Worker,
  ) {
    worker.on('message', this.onMessage);
    worker.on('error', this.onError);
    worker.on('exit', this.onExit);
  }

  /** Starts the workbook of a job whose input has these header cells (none without a header row). */
  static async start(header: readonly string[]): Promise<LiveResultsXlsx> {
    const dir = await makeTempDir('results');
    const path = join(dir, 'results.xlsx');
    try {
      const live = new LiveResultsXlsx(dir, path, takeWorker());
      live.worker.postMessage({ kind: 'open', path, header: [...header] } satisfies ResultsWorkerIn);
      return live;
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Whether a worker is kept, idle, for the next workbook (tests). */
  static get workerKept(): boolean {
    return idle !== null;
  }

  /** The cause, once the worker has failed (`add` then does nothing and `finish` rejects). */
  get error(): Error | null {
    return this.failed;
  }

  /**
   * Adds a chunk of result rows as its body in UTF-8 (bulk-results.ts `chunkCopy`), handed over
   * to the worker rather than copied when it has its memory to itself: the caller must not use
   * it afterwards. (Posting the body as a string cost 2.2–2.6 ms a 2,000-row chunk, V8
   * serialising it; encoding and handing over its bytes 0.7 ms, measured.)
   */
  async add(bytes: Uint8Array): Promise<void> {
    if (this.failed || this.done) return;
    // a buffer of its own (a small Buffer may be a slice of node's shared pool: copied)
    const own =
      bytes.byteOffset === 0 && bytes.length === bytes.buffer.byteLength
        ? bytes
        : Uint8Array.prototype.slice.call(bytes);
    this.worker.postMessage({ kind: 'rows', body: own } satisfies ResultsWorkerIn, [
      own.buffer as ArrayBuffer,
    ]);
    this.inFlight++;
    while (this.inFlight >= MAX_IN_FLIGHT && !this.failed && !this.done)
      await new Promise<void>((r) => this.wake.push(r));
  }

  /**
   * Writes the legend, closes the workbook and hands its file to `use`; the file and the worker
   * are gone once `use` has settled. Rejects without calling `use` when the worker failed.
   */
  async finish<T>(use: (path: string) => Promise<T>): Promise<T> {
    let written = false;
    try {
      if (this.failed) throw this.failed;
      await new Promise<void>((resolve, reject) => {
        this.closed = { resolve, reject };
        this.worker.postMessage({ kind: 'close' } satisfies ResultsWorkerIn);
      });
      written = true;
      return await use(this.path);
    } finally {
      // `use` has done its work: a temp dir that cannot be removed is not the caller's failure
      await this.end(written).catch((err: unknown) =>
        process.emitWarning(`results workbook: ${String(err)}`),
      );
    }
  }

  /** Stops the worker and removes the temp file (nothing happens the second time). */
  async abort(): Promise<void> {
    await this.end(false);
  }

  /** The worker kept for the next workbook when it wrote this one whole, else ended; the temp dir removed. */
  private async end(written: boolean): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.release();
    this.worker.off('message', this.onMessage);
    this.worker.off('exit', this.onExit);
    if (written && !this.failed) {
      this.worker.off('error', this.onError);
      await keepWorker(this.worker);
    }
    // still listened to while it ends (fail() does nothing once done): an 'error' event with no
    // listener would end the process
    else await this.worker.terminate();
    await rm(this.dir, { recursive: true, force: true });
  }

  private release(): void {
    for (const w of this.wake.splice(0)) w();
  }

  private fail(err: Error): void {
    if (this.failed || this.done) return;
    this.failed = err;
    this.release();
    this.closed?.reject(err);
  }
}
