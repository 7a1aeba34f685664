/**
 * The jobs worker of a server process: takes pending jobs (and jobs whose process died) one at a
 * time and runs them, woken when a job is queued here, else looking every few seconds (a job
 * queued by another process, a stale one to take over).
 */
import type { Store } from '../store/store.js';
import { runEligibilityJob } from './eligibility-job.js';
import { claimJob, finishJob } from './job-store.js';

const POLL_MS = 3000;

export class JobRunner {
  private running = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly log: (msg: string, err?: unknown) => void = () => undefined,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** A job was queued: look now. */
  notify(): void {
    this.wake?.();
  }

  /** Stops after the current chunk's job step; a job left running is resumed later by whoever claims it. */
  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let id: string | null = null;
      try {
        id = await claimJob(this.store);
        if (id) {
          await runEligibilityJob(this.store, id, { shouldStop: () => !this.running });
          continue;
        }
      } catch (err) {
        this.log(`job ${id ?? '?'} failed`, err);
        const why = err instanceof Error ? err.message.slice(0, 300) : String(err);
        if (id) await finishJob(this.store, id, `internal error: ${why}`).catch(() => undefined);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}
