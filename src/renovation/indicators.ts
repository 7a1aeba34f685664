/**
 * `batid indicators` and `GET /v1/indicators`: one row per territory, the renovation indicators
 * (territory-indicators.ts) and, per département when asked, the heat-network proximity figures in
 * France Chaleur Urbaine's layout under `reseaux_chaleur` (src/networks/network-proximity.ts).
 */
import { networkProximity, ProximityInputError } from '../networks/network-proximity.js';
import type { Store } from '../store/store.js';
import {
  emptyRow,
  IndicatorInputError,
  territoryIndicators,
  type IndicatorQuery,
  type TerritoryIndicators,
} from './territory-indicators.js';

export type IndicatorRow = TerritoryIndicators & { reseaux_chaleur?: Record<string, unknown> };

/**
 * `networks`: at département level, add the heat-network proximity counts (a spatial join of
 * every footprint with the networks: seconds on a server, up to a minute embedded).
 */
export async function indicators(
  store: Store,
  q: IndicatorQuery,
  opts: { networks?: boolean } = {},
): Promise<IndicatorRow[]> {
  const rows: IndicatorRow[] = await territoryIndicators(store, q);
  if (q.level === 'departement' && opts.networks) {
    let networks;
    try {
      networks = await networkProximity(store, { dept: q.code });
    } catch (err) {
      if (err instanceof ProximityInputError) throw new IndicatorInputError(err.message);
      throw err;
    }
    const byCode = new Map(rows.map((r) => [r.code, r]));
    for (const n of networks) {
      let r = byCode.get(n.departement_code);
      if (!r) rows.push((r = emptyRow('departement', n.departement_code, q.year ?? null)));
      r.reseaux_chaleur = { ...n };
    }
    rows.sort((a, b) => a.code.localeCompare(b.code));
  }
  return rows;
}

/** Nested objects as dotted columns (`dpe.etiquettes.A.batiments`), lists joined by `|`. */
export function flattenRow(row: object, prefix = '', out: Record<string, unknown> = {}) {
  for (const [k, v] of Object.entries(row)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenRow(v as object, key, out);
    else out[key] = Array.isArray(v) ? v.join('|') : v;
  }
  return out;
}

/** CSV of the rows: the columns of every row, in order of first appearance. */
export function indicatorsCsv(rows: readonly object[]): string {
  const flat = rows.map((r) => flattenRow(r));
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of flat)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns, ...flat.map((r) => columns.map((c) => r[c]))]
    .map((l) => `${l.map(cell).join(',')}\n`)
    .join('');
}
