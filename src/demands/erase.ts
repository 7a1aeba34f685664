/**
 * Erasing demands (issue 11 §3): on the requester's withdrawal at once, and by the retention job
 * after closing. The row, its history and its reminders are deleted in one statement; what is left
 * is a count in `demands.erased_count` (month, département, network, eligibility, requester type,
 * last status), so the statistics still add up and nothing names a person or a building.
 *
 * Retention: `BATID_DEMANDS_RETENTION_DAYS` after closing (Réalisé / Non réalisable / Projet
 * abandonné), 365 days by default. The CNIL's guidance keeps prospect data at most 3 years after
 * the last contact, but a closed demand is no longer a prospect: the putting-in-touch it was made
 * for is over (a realised connection lives on in the operator's own customer files, under its
 * contract). One year still covers what a closed demand is useful for: a copropriété that voted
 * no or gave up usually comes back at the next yearly general assembly, and the operator should
 * then see the history rather than start over. Open demands left idle for 3 years (no change at
 * all) are erased too, which is the CNIL's own bound for prospects.
 */
import type { Queryable, Store } from '../store/store.js';

export const DEFAULT_RETENTION_DAYS = 365;
export const OPEN_IDLE_MAX_DAYS = 3 * 365;

export type EraseReason = 'withdrawn' | 'retention';

/** Deletes the demands (ids), adds them to the anonymous counts; returns how many went. */
export async function eraseDemands(
  tx: Queryable,
  ids: readonly string[],
  reason: EraseReason,
): Promise<number> {
  if (!ids.length) return 0;
  const [r] = await tx.query<{ n: number }>(
    `WITH gone AS (
       DELETE FROM demands.demand WHERE id = ANY($1::text[])
       RETURNING created_at, code_departement_insee, assigned_to, network_sncu_id, eligibility_type, eligible,
                 requester_type, status),
     counted AS (
       INSERT INTO demands.erased_count AS c
         (month, code_departement_insee, network_sncu_id, eligibility_type, eligible, requester_type, status, reason, n)
       SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM'), coalesce(code_departement_insee, ''),
              CASE WHEN assigned_to = 'network' THEN network_sncu_id ELSE '' END,
              eligibility_type, eligible, requester_type, status, $2, count(*)::int
         FROM gone GROUP BY 1, 2, 3, 4, 5, 6, 7
       ON CONFLICT (month, code_departement_insee, network_sncu_id, eligibility_type, eligible, requester_type, status, reason)
       DO UPDATE SET n = c.n + EXCLUDED.n
       RETURNING 1)
     SELECT (SELECT count(*)::int FROM gone) AS n`,
    [ids, reason],
  );
  return r?.n ?? 0;
}

/** `BATID_DEMANDS_RETENTION_DAYS` (a whole number of days ≥ 1), else the default. */
export function retentionDaysFromEnv(v: string | undefined): number {
  if (v === undefined || v.trim() === '') return DEFAULT_RETENTION_DAYS;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`BATID_DEMANDS_RETENTION_DAYS: expected a whole number of days ≥ 1, got "${v}"`);
  return n;
}

export interface PurgeResult {
  /** Closed longer than the retention period. */
  closed: number;
  /** Open but untouched for OPEN_IDLE_MAX_DAYS. */
  idle: number;
}

/** Erases the demands whose retention is over at `now`. */
export async function purgeExpiredDemands(
  store: Store,
  opts: { now?: Date; retentionDays?: number } = {},
): Promise<PurgeResult> {
  const now = opts.now ?? new Date();
  const days = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
  return store.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; closed: boolean }>(
      `SELECT id, closed_at IS NOT NULL AS closed FROM demands.demand
        WHERE (closed_at IS NOT NULL AND closed_at <= $1::timestamptz - make_interval(days => $2))
           OR (closed_at IS NULL AND updated_at <= $1::timestamptz - make_interval(days => $3))
        FOR UPDATE`,
      [now.toISOString(), days, OPEN_IDLE_MAX_DAYS],
    );
    await eraseDemands(
      tx,
      rows.map((r) => r.id),
      'retention',
    );
    const closed = rows.filter((r) => r.closed).length;
    return { closed, idle: rows.length - closed };
  });
}
