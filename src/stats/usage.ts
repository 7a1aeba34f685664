/**
 * Counters of eligibility tests for the public statistics (issue 11 §4, migrations/0013_stats.sql):
 * single tests are counted in memory and added to stats.eligibility_test every few seconds (one
 * UPSERT per day and kind, never one per request), bulk jobs add their rows once, in the
 * transaction that marks the job done. Counts only: no address, no key, no person.
 */
import type { FastifyInstance } from 'fastify';
import { primaryOf } from '../store/routed-store.js';
import type { Queryable, Store } from '../store/store.js';

export type TestKind = 'single' | 'bulk';

const UPSERT = `INSERT INTO stats.eligibility_test AS t (day, kind, n, eligible) VALUES ($1::date, $2, $3, $4)
  ON CONFLICT (day, kind) DO UPDATE SET n = t.n + excluded.n, eligible = t.eligible + excluded.eligible`;

/** Adds `n` tests (of which `eligible` were eligible) on `day` (YYYY-MM-DD, UTC). */
export async function addTests(
  db: Queryable,
  kind: TestKind,
  day: string,
  n: number,
  eligible: number,
): Promise<void> {
  if (n > 0) await db.query(UPSERT, [day, kind, n, eligible]);
}

/**
 * A finished bulk job's rows, counted on the day it finishes (run inside its finishing
 * transaction): its committed progress, every row and the eligible ones (jobs.job.rows_done and
 * eligible_done, migration 0018) — one row per input row, so no need to count them again.
 */
export async function addBulkJobTests(db: Queryable, jobId: string): Promise<void> {
  await db.query(
    `INSERT INTO stats.eligibility_test AS t (day, kind, n, eligible)
     SELECT (now() AT TIME ZONE 'UTC')::date, 'bulk', j.rows_done, j.eligible_done
       FROM jobs.job j WHERE j.id = $1 AND j.rows_done > 0
     ON CONFLICT (day, kind) DO UPDATE SET n = t.n + excluded.n, eligible = t.eligible + excluded.eligible`,
    [jobId],
  );
}

export const FLUSH_MS = 5000;

/** Single tests counted in memory, written every FLUSH_MS (and on flush()/close()). */
export class TestCounter {
  private pending = new Map<string, { n: number; eligible: number }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Queryable,
    private readonly onError: (err: unknown) => void = () => undefined,
    private readonly flushMs = FLUSH_MS,
  ) {}

  add(eligible: boolean, at = new Date()): void {
    const day = at.toISOString().slice(0, 10);
    const c = this.pending.get(day) ?? { n: 0, eligible: 0 };
    c.n += 1;
    if (eligible) c.eligible += 1;
    this.pending.set(day, c);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush().catch(this.onError);
    }, this.flushMs).unref();
  }

  /** Writes what is counted so far; the counts come back to memory if the write fails. */
  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      const batch = [...this.pending];
      this.pending = new Map();
      for (let i = 0; i < batch.length; i++) {
        const [day, c] = batch[i]!;
        try {
          await addTests(this.db, 'single', day, c.n, c.eligible);
        } catch (err) {
          for (const [d, k] of batch.slice(i)) {
            const p = this.pending.get(d) ?? { n: 0, eligible: 0 };
            this.pending.set(d, { n: p.n + k.n, eligible: p.eligible + k.eligible });
          }
          throw err;
        }
      }
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}

const counters = new WeakMap<FastifyInstance, TestCounter>();

/**
 * The counter of single eligibility tests of an HTTP app, shared by the routes that count
 * (/v1/eligibility) and read (/v1/stats): made on first use, written every few seconds on the
 * primary, and written again when the app closes.
 */
export function singleTestCounter(app: FastifyInstance, store: Store): TestCounter {
  const known = counters.get(app);
  if (known) return known;
  const counter = new TestCounter(primaryOf(store), (err) =>
    app.log.error(err, 'eligibility test counts not written'),
  );
  counters.set(app, counter);
  app.addHook('onClose', async () => counter.close().catch(() => undefined));
  return counter;
}
