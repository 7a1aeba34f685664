/**
 * Re-test on change: after a networks import, every stored bulk result (jobs.eligibility_row) that
 * was tested on an older version is decided again from its stored place, on the new networks;
 * a row whose answer changed keeps its previous type and gets the transition in words
 * (« maintenant dans un PDP », « le réseau en construction est en service »…).
 */
import { dropResultXlsx } from './result-file.js';
import { lonLatToLambert93 } from '../geo/crs.js';
import { decisionColumns } from '../networks/bulk-eligibility.js';
import { decide } from '../networks/eligibility-rules.js';
import { loadNetworkIndex } from '../networks/eligibility-service.js';
import type { Store } from '../store/store.js';

interface Stored {
  job_id: string;
  row_no: number;
  lon: number;
  lat: number;
  citycode: string | null;
  type: string;
  eligible: boolean;
  id_fcu: number | null;
  in_pdp: boolean;
  existing_status: string;
  future_status: string;
  distance_m: number | null;
}

type Now = ReturnType<typeof decisionColumns>;

const future = (t: string | null) => !!t && /futur/.test(t);
const existing = (t: string | null) => !!t && /existant/.test(t);

/** The transition from a stored answer to a new one, in French; null when nothing that matters changed. */
export function describeChange(
  before: Omit<Stored, 'job_id' | 'row_no' | 'lon' | 'lat' | 'citycode'>,
  now: Now,
): string | null {
  const same =
    before.type === now.type &&
    before.id_fcu === now.id_fcu &&
    before.in_pdp === now.in_pdp &&
    before.existing_status === now.existing_status &&
    before.future_status === now.future_status;
  if (same) return null;
  const notes: string[] = [];
  if (!before.in_pdp && now.in_pdp) notes.push('maintenant dans un PDP');
  if (before.in_pdp && !now.in_pdp) notes.push('n’est plus dans un PDP');
  if (future(before.type) && existing(now.type)) notes.push('le réseau en construction est en service');
  if (!before.eligible && now.eligible) notes.push('devient éligible');
  if (before.eligible && !now.eligible) notes.push('n’est plus éligible');
  if (before.existing_status !== now.existing_status)
    notes.push(`raccordable à un réseau existant : ${before.existing_status} → ${now.existing_status}`);
  if (before.type === now.type && before.id_fcu !== now.id_fcu) notes.push('autre réseau retenu');
  if (before.type === now.type && before.distance_m !== now.distance_m && notes.length === 0)
    notes.push(`distance ${before.distance_m ?? '—'} → ${now.distance_m ?? '—'} m`);
  return `${before.type} → ${now.type}${notes.length ? ` : ${notes.join(' ; ')}` : ''}`;
}

const PAGE = 5000;

/** Re-tests every stored result older than the current networks; how many rows were re-tested and changed. */
export async function retestStoredResults(store: Store): Promise<{ rows: number; changed: number }> {
  const [{ v } = { v: 0 }] = await store.query<{ v: number }>(
    `SELECT coalesce(max(version), 0)::int AS v FROM fcu.import`,
  );
  const index = await loadNetworkIndex(store);
  let rows = 0;
  let changed = 0;
  let after: [string, number] = ['', -1];
  const jobs = new Set<string>();
  for (;;) {
    const page = await store.query<Stored>(
      `SELECT job_id, row_no, lon, lat, citycode, type, eligible, id_fcu, in_pdp, existing_status, future_status, distance_m
         FROM jobs.eligibility_row
        WHERE status = 'ok' AND networks_version < $1 AND (job_id, row_no) > ($2, $3)
        ORDER BY job_id, row_no LIMIT ${PAGE}`,
      [v, after[0], after[1]],
    );
    if (!page.length) break;
    const upd: { job: string; row: number; now: Now; change: string | null; prev: string | null }[] = [];
    for (const r of page) {
      const [x, y] = lonLatToLambert93(r.lon, r.lat);
      const ev = index.evidence({ kind: 'point', x, y }, r.citycode);
      const now = decisionColumns(decide(ev), ev);
      const change = describeChange(r, now);
      if (change) changed++;
      upd.push({ job: r.job_id, row: r.row_no, now, change, prev: change ? r.type : null });
    }
    const pageJobs = [...new Set(page.map((r) => r.job_id))];
    // the rows and their jobs' rows_version together: a download never sends a workbook its rows have outgrown
    await store.transaction(async (tx) => {
      await tx.query(`UPDATE jobs.job SET rows_version = $1 WHERE id = ANY($2::text[])`, [v, pageJobs]);
      await tx.query(
        `UPDATE jobs.eligibility_row e SET
          type = u.type, eligible = u.eligible, distance_m = u.distance_m, id_fcu = u.id_fcu, sncu_id = u.sncu_id,
          network_name = u.network_name, operator = u.operator, enrr_rate = u.enrr_rate, co2_acv = u.co2_acv,
          in_pdp = u.in_pdp, existing_status = u.existing_status, future_status = u.future_status, untraced = u.untraced,
          networks_version = $1,
          previous_type = CASE WHEN u.change IS NULL THEN e.previous_type ELSE u.prev END,
          change = coalesce(u.change, e.change),
          changed_at = CASE WHEN u.change IS NULL THEN e.changed_at ELSE now() END
         FROM jsonb_to_recordset($2::jsonb) AS u(job text, row integer, type text, eligible boolean, distance_m integer,
              id_fcu integer, sncu_id text, network_name text, operator text, enrr_rate double precision,
              co2_acv double precision, in_pdp boolean, existing_status text, future_status text, untraced boolean,
              change text, prev text)
        WHERE e.job_id = u.job AND e.row_no = u.row`,
        [
          v,
          JSON.stringify(
            upd.map((u) => ({ job: u.job, row: u.row, ...u.now, change: u.change, prev: u.prev })),
          ),
        ],
      );
    });
    for (const j of pageJobs) jobs.add(j);
    rows += page.length;
    const last = page[page.length - 1]!;
    after = [last.job_id, last.row_no];
  }
  // their workbooks no longer match their rows (result-file.ts would not send them anyway)
  await dropResultXlsx(store, [...jobs]);
  return { rows, changed };
}
