import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MappedBatch } from './map-batch.js';
import type { MapWorkerInit, MapWorkerJob } from './map-worker.js';

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./map-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
/** Run from the TypeScript sources (tests, dev), a worker first registers tsx, then loads the module. */
const ENTRY_URL = FROM_SOURCE ? new URL('../../scripts/ts-worker.mjs', import.meta.url) : WORKER_URL;

/** How many map workers an import uses: one per core (the database and the reader share them). */
export function mapWorkerCount(): number {
  const env = Number(process.env.BATID_IMPORT_WORKERS);
  if (Number.isInteger(env) && env >= 0) return env;
  return Math.min(4, availableParallelism());
}

/**
 * Maps CSV batches on worker threads and hands results back in submission order. At most
 * `2 × workers` batches are in flight, so memory stays bounded whatever the file size.
 */
export class MapPool {
  private readonly workers: Worker[];
  private next = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (b: MappedBatch) => void; reject: (e: Error) => void }
  >();
  private failed: Error | null = null;

  constructor(init: MapWorkerInit, size: number) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(ENTRY_URL, { workerData: { ...init, entry: WORKER_URL.href } });
      w.on('message', (msg: MappedBatch & { id: number }) => {
        const p = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        p?.resolve(msg);
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`map worker exited with code ${code}`));
      });
      return w;
    });
  }

  get capacity(): number {
    return this.workers.length * 2;
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const p of this.waiting.values()) p.reject(err);
    this.waiting.clear();
  }

  /** Sends one batch; the promise gives its mapped result. */
  submit(text: string, firstLine: number): Promise<MappedBatch> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    const job: MapWorkerJob = { id, text, firstLine };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
