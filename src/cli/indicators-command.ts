import { networkProximity, ProximityInputError } from '../networks/network-proximity.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { DB_OPTIONS, parse } from './main.js';

export const INDICATOR_LEVELS = ['commune', 'epci', 'departement', 'iris'] as const;
export type IndicatorLevel = (typeof INDICATOR_LEVELS)[number];

const HELP = `usage: batid indicators --level departement [--code 03] [--format json|csv]
  Territory indicators, one row per territory (without --code: every territory imported).
  Now: buildings and dwellings at 50/100/150 m of an open heat network by heating kind
  (collective gas, collective fuel oil, individual gas), heat networks and their EnR&R rate,
  in the layout of France Chaleur Urbaine's stats-bdnb-2022-departements.json.
  json: {"level", "results": [row…]}; csv: one line per row, nested fields flattened as
  "50m.batiments.collectif_gaz". Levels commune, epci and iris are to come.
`;

/** One row per territory, keyed by its code: what a family of indicators adds to that row. */
type FamilyRows = Map<string, Record<string, unknown>>;

/**
 * A family of indicators. Each adds its own fields to the territory rows (new keys in JSON, new
 * columns in CSV), so families are added without changing what the others print.
 */
interface IndicatorFamily {
  levels: readonly IndicatorLevel[];
  rows(store: Store, level: IndicatorLevel, code: string | undefined): Promise<FamilyRows>;
}

const FAMILIES: readonly IndicatorFamily[] = [
  {
    // heat networks: proximity counts, networks, EnR&R (src/networks/network-proximity.ts)
    levels: ['departement'],
    async rows(store, _level, code) {
      const rows = await networkProximity(store, { dept: code });
      return new Map(rows.map((r) => [r.departement_code, { ...r }]));
    },
  },
];

/** Nested objects as dotted columns (`50m.batiments.collectif_gaz`), lists joined by `|`. */
export function flattenRow(row: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}) {
  for (const [k, v] of Object.entries(row)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      flattenRow(v as Record<string, unknown>, key, out);
    else out[key] = Array.isArray(v) ? v.join('|') : v;
  }
  return out;
}

/** CSV of the rows: the columns of every row, in order of first appearance. */
export function indicatorsCsv(rows: readonly Record<string, unknown>[]): string {
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

/** `batid indicators --level departement [--code 03] [--format json|csv]`. */
export async function runIndicators(
  args: string[],
  write: (text: string) => void = (t) => void process.stdout.write(t),
): Promise<number> {
  const { values } = parse(args, {
    ...DB_OPTIONS,
    level: { type: 'string' },
    code: { type: 'string' },
    format: { type: 'string', default: 'json' },
  });
  if (values.help) {
    write(HELP);
    return 0;
  }
  const level = values.level as IndicatorLevel | undefined;
  const fail = (message: string) => {
    process.stderr.write(`batid indicators: ${message}\n\n${HELP}`);
    return 2;
  };
  if (!level || !INDICATOR_LEVELS.includes(level))
    return fail(`--level: expected one of ${INDICATOR_LEVELS.join(', ')}, got ${values.level ?? 'nothing'}`);
  if (values.format !== 'json' && values.format !== 'csv')
    return fail(`--format: expected json or csv, got ${values.format}`);
  const families = FAMILIES.filter((f) => f.levels.includes(level));
  if (!families.length) return fail(`level ${level} has no indicators yet (available: departement)`);

  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    const rows = new Map<string, Record<string, unknown>>();
    for (const family of families)
      for (const [code, fields] of await family.rows(store, level, values.code))
        rows.set(code, { ...(rows.get(code) ?? {}), ...fields });
    const results = [...rows.keys()].sort().map((code) => rows.get(code)!);
    write(
      values.format === 'csv' ? indicatorsCsv(results) : `${JSON.stringify({ level, results }, null, 2)}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof ProximityInputError) return fail(err.message);
    throw err;
  } finally {
    await store.close();
  }
}
