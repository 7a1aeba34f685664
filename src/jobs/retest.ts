/**
 * Re-test on change: after a networks import, every stored bulk result (jobs.eligibility_chunk) that
 * was tested on an older version is decided again from its stored place, on the new networks;
 * a row whose answer changed keeps its previous type and gets the transition in words
 * (« maintenant dans un PDP », « le réseau en construction est en service »…).
 */
import { resultChunk, rowsOfBody, type StoredRow } from './bulk-results.js';
import { dropResultXlsx } from './result-file.js';
import { lonLatToLambert93 } from '../geo/crs.js';
import { decisionColumns } from '../networks/bulk-eligibility.js';
import { decide } from '../networks/eligibility-rules.js';
import { loadNetworkIndex } from '../networks/eligibility-service.js';
import type { Store } from '../store/store.js';

type Now = ReturnType<typeof decisionColumns>;

const future = (t: string | null) => !!t && /futur/.test(t);
const existing = (t: string | null) => !!t && /existant/.test(t);

/** The transition from a stored answer to a new one, in French; null when nothing that matters changed. */
export function describeChange(
  before: Pick<
    StoredRow,
    'type' | 'eligible' | 'id_fcu' | 'in_pdp' | 'existing_status' | 'future_status' | 'distance_m'
  >,
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

/** Chunks re-tested per transaction (2,000 rows each). */
const PAGE_CHUNKS = 4;

/** Re-tests every stored result older than the current networks; how many rows were re-tested and changed. */
export async function retestStoredResults(store: Store): Promise<{ rows: number; changed: number }> {
  const [{ v } = { v: 0 }] = await store.query<{ v: number }>(
    `SELECT coalesce(max(version), 0)::int AS v FROM fcu.import`,
  );
  const index = await loadNetworkIndex(store);
  // one time for the whole re-test, to the second (as the API writes times)
  const at = `${new Date().toISOString().slice(0, 19)}Z`;
  let rows = 0;
  let changed = 0;
  let after: [string, number] = ['', -1];
  const jobs = new Set<string>();
  for (;;) {
    const page = await store.query<{ job_id: string; first_row: number; body: string }>(
      `SELECT job_id, first_row, body FROM jobs.eligibility_chunk
        WHERE tested > 0 AND networks_version < $1 AND (job_id, first_row) > ($2, $3)
        ORDER BY job_id, first_row LIMIT ${PAGE_CHUNKS}`,
      [v, after[0], after[1]],
    );
    if (!page.length) break;
    const chunks = page.map((c) => {
      const stored = rowsOfBody(c.body);
      for (const r of stored) {
        if (r.status !== 'ok' || r.networks_version >= v || r.lon === null || r.lat === null) continue;
        const [x, y] = lonLatToLambert93(r.lon, r.lat);
        const ev = index.evidence({ kind: 'point', x, y }, r.citycode);
        const now = decisionColumns(decide(ev), ev);
        const change = describeChange(r, now);
        if (change) {
          changed++;
          r.previous_type = r.type;
          r.change = change;
          r.changed_at = at;
        }
        Object.assign(r, now);
        r.networks_version = v;
        rows++;
      }
      return { job: c.job_id, chunk: resultChunk(stored) };
    });
    const pageJobs = [...new Set(page.map((c) => c.job_id))];
    // the rows and their jobs' rows_version together: a download never sends a workbook its rows have outgrown
    await store.transaction(async (tx) => {
      await tx.query(`UPDATE jobs.job SET rows_version = $1 WHERE id = ANY($2::text[])`, [v, pageJobs]);
      for (const { job, chunk: c } of chunks)
        await tx.query(
          `UPDATE jobs.eligibility_chunk
              SET eligible = $3, changed = $4, networks_version = $5, body = $6
            WHERE job_id = $1 AND first_row = $2`,
          [job, c.firstRow, c.eligible, c.changed, c.networksVersion, c.body],
        );
    });
    for (const j of pageJobs) jobs.add(j);
    const last = page[page.length - 1]!;
    after = [last.job_id, last.first_row];
  }
  // their workbooks no longer match their rows (result-file.ts would not send them anyway)
  await dropResultXlsx(store, [...jobs]);
  return { rows, changed };
}
