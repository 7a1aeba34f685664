import type { Store } from '../store/store.js';

export interface LifecycleEvent {
  event_id: number;
  at: string;
  kind: 'creation' | 'update' | 'merge' | 'split' | 'demolition';
  batid: string;
  code_departement_insee: string;
  parents: string[];
  children: string[];
  millesime: string | null;
  detail: unknown;
}

const COLUMNS = `event_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, kind, batid,
  code_departement_insee, parents, children, millesime, detail`;

/** The events of one building, oldest first, including those naming it as parent or child. */
export async function history(store: Store, batid: string): Promise<LifecycleEvent[]> {
  return store.query<LifecycleEvent>(
    `SELECT ${COLUMNS} FROM batid.event WHERE batid = $1 OR parents @> ARRAY[$1::text] OR children @> ARRAY[$1::text] ORDER BY at, event_id`,
    [batid],
  );
}

/**
 * Every event since an instant (exclusive), in order, page by page so the feed has no window cap
 * and flat memory: the caller streams each page out before asking for the next.
 */
export async function* changesSince(
  store: Store,
  since: Date,
  dept?: string,
  pageSize = 5000,
): AsyncGenerator<LifecycleEvent[]> {
  let after = 0;
  for (;;) {
    const rows = await store.query<LifecycleEvent>(
      `SELECT ${COLUMNS} FROM batid.event
        WHERE at > $1 AND event_id > $2 AND ($3::text IS NULL OR code_departement_insee = $3)
        ORDER BY event_id LIMIT $4`,
      [since.toISOString(), after, dept ?? null, pageSize],
    );
    if (!rows.length) return;
    yield rows;
    after = rows[rows.length - 1]!.event_id;
    if (rows.length < pageSize) return;
  }
}

const CSV_COLUMNS = [
  'event_id',
  'at',
  'kind',
  'batid',
  'code_departement_insee',
  'parents',
  'children',
  'millesime',
] as const;

export function changeCsvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

export function changeCsvLine(e: LifecycleEvent): string {
  const cell = (v: unknown) => {
    const s = Array.isArray(v) ? v.join('|') : v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${CSV_COLUMNS.map((c) => cell(e[c])).join(',')}\n`;
}
