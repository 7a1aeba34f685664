/**
 * The demands' scheduled work in `batid serve` (issue 11 §2–§4): reminders and the retention
 * purge, at start and then every hour. Both are safe to run from several processes at once
 * (reminders are claimed before they are sent, the purge is idempotent), so every worker of
 * `serve --workers N` may run them. `batid demands remind|purge` run the same functions once.
 */
import { describeSmtp, type Mailer } from '../mail/mailer.js';
import type { Store } from '../store/store.js';
import { purgeExpiredDemands } from './erase.js';
import { runReminders } from './reminder-job.js';

export const DEMAND_JOBS_INTERVAL_MS = 3_600_000;

export interface DemandJobsOptions {
  mailer: Mailer | null;
  retentionDays: number;
  intervalMs?: number;
  log: (line: string) => void;
  now?: () => Date;
}

/** Runs reminders and purge once; errors are logged, never thrown (a timer calls it). */
export async function runDemandJobs(store: Store, o: DemandJobsOptions): Promise<void> {
  const now = o.now?.() ?? new Date();
  try {
    const r = await runReminders(store, {
      now,
      mailer: o.mailer,
      onError: (msg, err) => o.log(`demands: ${msg}: ${(err as Error).message}`),
    });
    if (r.due)
      o.log(
        r.listed_only
          ? `demands: ${r.due} reminder(s) due, listed in the workspace only (no SMTP server)`
          : `demands: ${r.due} reminder(s) due, ${r.sent} sent in ${r.emails} e-mail(s)` +
              (r.unreachable.length ? `, ${r.unreachable.length} with no contact e-mail to send to` : ''),
      );
  } catch (err) {
    o.log(`demands: reminders failed: ${(err as Error).message}`);
  }
  try {
    const p = await purgeExpiredDemands(store, { now, retentionDays: o.retentionDays });
    if (p.closed || p.idle)
      o.log(
        `demands: erased ${p.closed} demand(s) closed more than ${o.retentionDays} days ago and ${p.idle} left idle for 3 years`,
      );
  } catch (err) {
    o.log(`demands: retention purge failed: ${(err as Error).message}`);
  }
}

/** Starts the hourly runs (the first right away); returns a stop function that waits for a run in progress. */
export function startDemandJobs(store: Store, o: DemandJobsOptions): () => Promise<void> {
  if (!o.mailer)
    o.log(
      `demands: ${describeSmtp({})}: reminders and confirmations are not e-mailed, only listed in the workspace`,
    );
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= runDemandJobs(store, o).finally(() => (running = null));
  };
  tick();
  const timer = setInterval(tick, o.intervalMs ?? DEMAND_JOBS_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
