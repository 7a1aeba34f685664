/**
 * The reminders of stale demands (issue 11 §2): which are due (reminders.ts decides from the
 * dates), to whom (the active operator keys bound to the demand's network, or the advisor keys
 * covering its territory, that carry a contact e-mail), and sending them as one e-mail per
 * recipient. A reminder is claimed in `demands.reminder` before its e-mail goes (so the server's
 * workers and a CLI run never send it twice) and released if no e-mail for it went out.
 */
import type { ApiKey } from '../auth/keys.js';
import type { Mailer } from '../mail/mailer.js';
import type { Queryable, Store } from '../store/store.js';
import { STATUS_LABELS, type DemandReminderRow, type DemandStatus } from './api-types.js';
import { reminderMail, type ReminderLine } from './demand-mail.js';
import { isoOf } from './demand-rows.js';
import { scopeSql, type ScopeKey } from './demand-scope.js';
import { reminderPlan, type ReminderPlan } from './reminders.js';

interface StaleRow {
  id: string;
  status: DemandStatus;
  status_changed_at: string;
  address: string;
  name: string;
  assigned_to: 'network' | 'territory';
  network_sncu_id: string | null;
  code_departement_insee: string | null;
  code_epci_insee: string | null;
  sent: { rank: 1 | 2; sent_at: string }[] | null;
}

export interface StaleDemand {
  row: StaleRow;
  plan: ReminderPlan;
}

/** Open demands without a status change for a month or more at `now`, in the key's scope (null: all). */
export async function staleDemands(db: Queryable, key: ScopeKey | null, now: Date): Promise<StaleDemand[]> {
  const params: unknown[] = [now.toISOString()];
  const scope = key ? scopeSql(key, 'd', params) : 'TRUE';
  // 28 days: no calendar month is shorter; reminderPlan decides exactly
  const rows = await db.query<StaleRow>(
    `SELECT d.id, d.status, ${isoOf('d.status_changed_at')} AS status_changed_at, d.address, d.name, d.assigned_to,
            d.network_sncu_id, d.code_departement_insee, d.code_epci_insee,
            (SELECT json_agg(json_build_object('rank', r.rank, 'sent_at', ${isoOf('r.sent_at')}) ORDER BY r.rank)
               FROM demands.reminder r WHERE r.demand_id = d.id AND r.period_start = d.status_changed_at) AS sent
       FROM demands.demand d
      WHERE d.closed_at IS NULL AND d.status_changed_at <= $1::timestamptz - interval '28 days' AND ${scope}
      ORDER BY d.status_changed_at, d.id`,
    params,
  );
  return rows
    .map((row) => ({
      row,
      plan: reminderPlan(
        {
          status: row.status,
          statusChangedAt: new Date(row.status_changed_at),
          sent: (row.sent ?? []).map((s) => ({ rank: s.rank, sentAt: new Date(s.sent_at) })),
        },
        now,
      ),
    }))
    .filter((s) => s.plan.stale);
}

/** The workspace's list (GET /v1/demands/reminders). */
export function reminderRows(stale: readonly StaleDemand[]): DemandReminderRow[] {
  return stale.map(({ row, plan }) => ({
    id: row.id,
    status: row.status,
    status_label: STATUS_LABELS[row.status],
    status_changed_at: row.status_changed_at,
    address: row.address,
    name: row.name,
    network_sncu_id: row.assigned_to === 'network' ? row.network_sncu_id : null,
    due: plan.due ? { rank: plan.due.rank, due_at: plan.due.dueAt.toISOString() } : null,
    sent: (row.sent ?? []).map((s) => ({ rank: s.rank, sent_at: s.sent_at })),
    next_due_at: plan.nextDueAt ? plan.nextDueAt.toISOString() : null,
  }));
}

type Contact = Pick<ApiKey, 'role' | 'territories' | 'networks'> & { contact_email: string };

/** Who is told about a demand: operators of its network, or advisors of its territory, with an e-mail. */
export function recipientsOf(row: StaleRow, contacts: readonly Contact[]): string[] {
  const out = new Set<string>();
  for (const c of contacts) {
    const mine =
      row.assigned_to === 'network'
        ? c.role === 'operator' && row.network_sncu_id !== null && c.networks.includes(row.network_sncu_id)
        : c.role === 'advisor' &&
          c.territories.some((t) => t === row.code_departement_insee || t === row.code_epci_insee);
    if (mine) out.add(c.contact_email.toLowerCase());
  }
  return [...out].sort();
}

export interface ReminderRun {
  /** Reminders due at `now`. */
  due: number;
  /** Recorded as sent (their e-mail went out). */
  sent: number;
  /** E-mails sent (one per recipient). */
  emails: number;
  /** Due but nobody to send to (no key with a contact e-mail for them). */
  unreachable: string[];
  /** No SMTP server: the due reminders are only listed. */
  listed_only: boolean;
  /** The due reminders, for the CLI's listing. */
  reminders: { id: string; rank: 1 | 2; due_at: string; recipients: string[] }[];
}

/** Sends the reminders due at `now` (or, without a mailer, lists them and records nothing). */
export async function runReminders(
  store: Store,
  opts: { now?: Date; mailer: Mailer | null; onError?: (msg: string, err: unknown) => void },
): Promise<ReminderRun> {
  const now = opts.now ?? new Date();
  const stale = (await staleDemands(store, null, now)).filter((s) => s.plan.due);
  const contacts = await store.query<Contact>(
    `SELECT role, territories, networks, contact_email FROM access.api_key
      WHERE revoked_at IS NULL AND contact_email IS NOT NULL AND role IN ('operator', 'advisor')`,
  );
  const reminders = stale.map(({ row, plan }) => ({
    id: row.id,
    rank: plan.due!.rank,
    due_at: plan.due!.dueAt.toISOString(),
    recipients: recipientsOf(row, contacts),
  }));
  const run: ReminderRun = {
    due: reminders.length,
    sent: 0,
    emails: 0,
    unreachable: reminders.filter((r) => !r.recipients.length).map((r) => r.id),
    listed_only: opts.mailer === null,
    reminders,
  };
  if (!opts.mailer) return run;
  // claim each reminder that has someone to tell, in one statement; another process may have claimed some first
  const toClaim = reminders.flatMap((r, k) =>
    r.recipients.length
      ? [{ id: r.id, rank: r.rank, recipients: r.recipients, period_start: stale[k]!.row.status_changed_at }]
      : [],
  );
  const got = toClaim.length
    ? await store.query<{ demand_id: string }>(
        `INSERT INTO demands.reminder (demand_id, period_start, rank, sent_at, recipients)
         SELECT d.id, d.status_changed_at, x.rank, $1::timestamptz, ARRAY(SELECT jsonb_array_elements_text(x.recipients))
           FROM jsonb_to_recordset($2::jsonb) AS x(id text, rank smallint, recipients jsonb, period_start timestamptz)
           JOIN demands.demand d ON d.id = x.id AND d.status_changed_at = x.period_start
          ORDER BY d.id
         ON CONFLICT DO NOTHING RETURNING demand_id`,
        [now.toISOString(), JSON.stringify(toClaim)],
      )
    : [];
  const won = new Set(got.map((g) => g.demand_id));
  const claimed = new Map<string, { line: ReminderLine; recipients: string[] }>();
  for (const [k, r] of reminders.entries()) {
    if (!won.has(r.id)) continue;
    const { row } = stale[k]!;
    claimed.set(r.id, {
      line: {
        id: r.id,
        address: row.address,
        status: row.status,
        statusChangedAt: row.status_changed_at,
        rank: r.rank,
      },
      recipients: r.recipients,
    });
  }
  const byRecipient = new Map<string, ReminderLine[]>();
  for (const c of claimed.values())
    for (const to of c.recipients) byRecipient.set(to, [...(byRecipient.get(to) ?? []), c.line]);
  const delivered = new Set<string>();
  for (const [to, lines] of byRecipient) {
    try {
      await opts.mailer.send(reminderMail(to, lines));
      run.emails++;
      for (const l of lines) delivered.add(l.id);
    } catch (err) {
      opts.onError?.(`reminder e-mail to ${to} not sent`, err);
    }
  }
  const failed = [...claimed.values()].filter((c) => !delivered.has(c.line.id));
  if (failed.length)
    await store.query(
      `DELETE FROM demands.reminder r USING unnest($1::text[], $2::smallint[]) AS f(id, rank)
        WHERE r.demand_id = f.id AND r.rank = f.rank AND r.sent_at = $3::timestamptz`,
      [failed.map((c) => c.line.id), failed.map((c) => c.line.rank), now.toISOString()],
    );
  run.sent = delivered.size;
  return run;
}
