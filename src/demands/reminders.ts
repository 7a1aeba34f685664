/**
 * When a demand's operator gets a reminder (issue 11 §2), as a pure function of dates: an open
 * demand whose status has not changed for one calendar month gets a first reminder, and a second
 * one 15 days after that (counted from the later of the first's due date and the day it was
 * actually sent, so a server that was down never sends the two together); then none until the
 * status changes, which starts a new period. Closed demands get none. Months are UTC calendar
 * months, clamped to the month's end (31 January + 1 month = 28/29 February).
 */
import { CLOSED_STATUSES, type DemandStatus } from './api-types.js';

export const SECOND_REMINDER_AFTER_DAYS = 15;
const DAY_MS = 86_400_000;

/** `d` plus `n` calendar months (UTC), the day clamped to the last day of the target month. */
export function addMonthsUtc(d: Date, n: number): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      y,
      m,
      Math.min(d.getUTCDate(), last),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
}

export const addDays = (d: Date, n: number): Date => new Date(d.getTime() + n * DAY_MS);

export interface ReminderState {
  status: DemandStatus;
  /** The last status change (the creation when the status never changed). */
  statusChangedAt: Date;
  /** Reminders already sent for this period (since statusChangedAt). */
  sent: readonly { rank: 1 | 2; sentAt: Date }[];
}

export interface ReminderPlan {
  /** The reminder to send now, if one is due. */
  due: { rank: 1 | 2; dueAt: Date } | null;
  /** When the next reminder falls due (the due one included); null when none is left. */
  nextDueAt: Date | null;
  /** Open and without a status change for a month or more (listed in the workspace). */
  stale: boolean;
}

export function reminderPlan(s: ReminderState, now: Date): ReminderPlan {
  if (CLOSED_STATUSES.has(s.status)) return { due: null, nextDueAt: null, stale: false };
  const first = addMonthsUtc(s.statusChangedAt, 1);
  const stale = now.getTime() >= first.getTime();
  const sent1 = s.sent.find((r) => r.rank === 1);
  const sent2 = s.sent.find((r) => r.rank === 2);
  let next: { rank: 1 | 2; dueAt: Date } | null = null;
  if (!sent1 && !sent2) next = { rank: 1, dueAt: first };
  else if (sent1 && !sent2) {
    const a = addDays(first, SECOND_REMINDER_AFTER_DAYS);
    const b = addDays(sent1.sentAt, SECOND_REMINDER_AFTER_DAYS);
    next = { rank: 2, dueAt: a.getTime() >= b.getTime() ? a : b };
  }
  if (!next) return { due: null, nextDueAt: null, stale };
  return { due: now.getTime() >= next.dueAt.getTime() ? next : null, nextDueAt: next.dueAt, stale };
}
