import { BDNB_TABLES } from '../ingest/catalog/bdnb-tables.js';
import {
  buildingHead,
  HEAD_SQL,
  idsOf,
  LOOKUP_BRANCHES,
  LOOKUP_LIST,
  type BuildingHead,
  type BuildingIds,
} from '../ids/linked-ids.js';
import type { Store } from '../store/store.js';
import { inDept } from '../store/dept-statement.js';
import { isDeptCode } from '../ingest/dept.js';
import { HIDDEN_COLUMNS, SECTIONS, type SectionDef } from './card-sections.js';

export interface CardSection {
  title: string;
  source: string[];
  millesime: string | null;
  licence: string;
  /** one-row tables: the row; several rows: `rows` */
  data?: Record<string, unknown>;
  rows?: Record<string, unknown>[];
}

export interface CardAddress {
  cle_interop_adr: string;
  label: string | null;
  lien_valide: boolean | null;
  lon: number | null;
  lat: number | null;
}

export interface Card {
  batid: string;
  status: string;
  code_departement_insee: string;
  ids: BuildingIds['ids'];
  addresses: CardAddress[];
  /** GeoJSON, WGS84 */
  geometry: unknown;
  footprint: Record<string, unknown>;
  sections: Record<string, CardSection>;
  /** sections left out for this caller, with why (e.g. owners: pro keys only) */
  restricted?: Record<string, string>;
}

/** The catalogue's tables by name (module load: the card's SQL is written once from them). */
const TABLES = new Map(BDNB_TABLES.map((t) => [t.name, t]));

const GEOMETRY_COLUMNS = new Map(
  BDNB_TABLES.map((t) => [
    t.name,
    new Set(t.columns.filter((c) => c.type === 'geometry').map((c) => c.name)),
  ]),
);

/**
 * A BDNB table as the card reads it: without its geometry columns, which clean() would drop
 * anyway — to_jsonb(x) of a footprint writes its polygon as GeoJSON (the costliest branch of a
 * card) for Node to parse and throw away. The WHERE of the branch reaches through the subquery.
 */
function cardTable(schema: string, table: string): string {
  const geoms = GEOMETRY_COLUMNS.get(table);
  const from = `${schema}."${table}"`;
  if (schema !== 'bdnb' || !geoms?.size) return `${from} x`;
  const columns = TABLES.get(table)!
    .columns.filter((c) => !geoms.has(c.name))
    .map((c) => `"${c.name}"`);
  return `(SELECT ${[...columns, 'extra'].join(', ')} FROM ${from}) x`;
}

/** The sort key of the rows of a many-row BDNB table: millésime first when it has one, then the row. */
function manyOrder(table: string): string {
  const hasMillesime = TABLES.get(table)?.columns.some((c) => c.name === 'millesime');
  return hasMillesime ? "coalesce(x.millesime::text, '') || to_jsonb(x)::text" : 'to_jsonb(x)::text';
}

/** Drops the linking keys, geometries, `extra` and empty values of a row. */
function clean(table: string, row: Record<string, unknown>): Record<string, unknown> {
  const geoms = GEOMETRY_COLUMNS.get(table);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === null || v === '' || HIDDEN_COLUMNS.has(k) || geoms?.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** One branch per section table, in SECTIONS order; `k` of each row indexes this list. */
const BRANCHES = SECTIONS.flatMap((sec) => sec.tables.map((t) => ({ section: sec, t })));

/** The SELECT of one section table for a building: $1 département, $2 group id, $3 footprint id. */
function branchSql(t: SectionDef['tables'][number], k: number): string {
  const x = cardTable(t.schema ?? 'bdnb', t.table);
  switch (t.via) {
    case 'parcelle':
      return `SELECT ${k} AS k, to_jsonb(x)::text AS s, to_jsonb(x) AS r FROM ${x}
                JOIN bdnb.rel_parcelle_sitadel rs ON rs.code_departement_insee = x.code_departement_insee AND rs.numero_permis = x.numero_permis
                JOIN bdnb.rel_batiment_groupe_parcelle p ON p.code_departement_insee = rs.code_departement_insee AND p.parcelle_id = rs.parcelle_id
               WHERE p.code_departement_insee = $1 AND p.batiment_groupe_id = $2`;
    case 'bc':
      return `SELECT ${k} AS k, '' AS s, to_jsonb(x) AS r FROM ${x} WHERE x.code_departement_insee = $1 AND x.batiment_construction_id = $3`;
    default:
      if (t.table === 'dpe_logement')
        // what the history adds (src/renovation/derive-renovations.ts) beside each certificate
        return `SELECT ${k} AS k, coalesce(x.date_etablissement_dpe::text, '') || x.identifiant_dpe AS s,
                       to_jsonb(x) || jsonb_strip_nulls(jsonb_build_object('logement', rd.logement,
                         'classe_facteur_2026', rd.classe_facteur_2026, 'conso_ep_m2_facteur_2026', rd.conso_ep_m2_facteur_2026,
                         'changement_methode', rd.changement_methode, 'g_plus', rd.g_plus, 'remplace_par', rd.remplace_par,
                         'valide', CASE WHEN rd.identifiant_dpe IS NOT NULL THEN rd.remplace_par IS NULL END)) AS r
                  FROM ${x}
                  JOIN bdnb.rel_batiment_groupe_dpe_logement d ON d.code_departement_insee = x.code_departement_insee AND d.identifiant_dpe = x.identifiant_dpe
                  LEFT JOIN renovation.dpe rd ON rd.code_departement_insee = d.code_departement_insee
                   AND rd.batiment_groupe_id = d.batiment_groupe_id AND rd.identifiant_dpe = d.identifiant_dpe
                 WHERE d.code_departement_insee = $1 AND d.batiment_groupe_id = $2`;
      if (t.schema === 'renovation')
        return `SELECT ${k} AS k, coalesce(x.date_apres::text, '') || x.dpe_apres AS s, to_jsonb(x) AS r FROM ${x}
                 WHERE x.code_departement_insee = $1 AND x.batiment_groupe_id = $2`;
      // the rows of a many-row table in a fixed order, by millésime where the table has one
      // (the plan's order is no order: the yearly consumptions came out shuffled when the
      // statement lost a branch)
      return `SELECT ${k} AS k, ${t.many ? manyOrder(t.table) : "''"} AS s, to_jsonb(x) AS r FROM ${x} WHERE x.code_departement_insee = $1 AND x.batiment_groupe_id = $2`;
  }
}

/** Rows k ≥ LOOKUP_K are the building's external keys (k − LOOKUP_K indexes LOOKUP_LIST). */
const LOOKUP_K = 1000;

/**
 * The external keys read from rows the card fetches anyway: lookup k of LOOKUP_LIST whose table
 * a branch already reads by the same key (the footprint, k = -1, for batiment_construction by
 * footprint id; a section branch for a group table) and whose column is text, so that the JSON
 * value is the `::text` of LOOKUP_SQL. These need no branch of their own in BODY_SQL.
 */
const FROM_ROWS = new Map<number, { lookup: number; column: string }[]>();
LOOKUP_LIST.forEach((l, k) => {
  const table = TABLES.get(l.table);
  if (table?.columns.find((c) => c.name === l.column)?.type !== 'text') return;
  const row = bodyRowOf(l);
  if (row === undefined) return;
  const list = FROM_ROWS.get(row) ?? [];
  list.push({ lookup: k, column: l.column });
  FROM_ROWS.set(row, list);
});

/** The body rows (`k`) that read a lookup's table by the lookup's key: the footprint, or a group section. */
function bodyRowOf(l: (typeof LOOKUP_LIST)[number]): number | undefined {
  if (l.via === 'bc') return l.table === 'batiment_construction' ? -1 : undefined;
  const k = BRANCHES.findIndex((b) => !b.t.schema && !b.t.via && b.t.table === l.table);
  return k === -1 ? undefined : k;
}
const DERIVED = new Set([...FROM_ROWS.values()].flat().map((x) => x.lookup));

/**
 * Everything below the registry row in one round trip — the footprint (k = -1), the addresses
 * (k = -2), each section table (k = its branch) and the external keys — so that a card is two
 * prepared statements, not one query per table (p99 under load is what users feel).
 * $1 département, $2 group id, $3 footprint id.
 */
const BODY_SQL = `SELECT k, r FROM (
  SELECT -1 AS k, '' AS s, to_jsonb(x) AS r FROM ${cardTable('bdnb', 'batiment_construction')} WHERE x.code_departement_insee = $1 AND x.batiment_construction_id = $3
  UNION ALL
  SELECT -2, CASE WHEN r.lien_valide THEN '0' WHEN NOT r.lien_valide THEN '1' ELSE '2' END || a.cle_interop_adr,
         jsonb_build_object('cle_interop_adr', a.cle_interop_adr,
           'label', coalesce(a.libelle_adresse, concat_ws(' ', a.numero, a.rep, a.type_voie, a.nom_voie, a.code_postal, a.libelle_commune)),
           'lien_valide', r.lien_valide,
           'lon', round(ST_X(ST_Transform(a.geom_adresse, 4326))::numeric, 7)::float8,
           'lat', round(ST_Y(ST_Transform(a.geom_adresse, 4326))::numeric, 7)::float8)
    FROM bdnb.rel_batiment_groupe_adresse r
    JOIN bdnb.adresse a ON a.code_departement_insee = r.code_departement_insee AND a.cle_interop_adr = r.cle_interop_adr
   WHERE r.code_departement_insee = $1 AND r.batiment_groupe_id = $2
  UNION ALL
  ${BRANCHES.map((b, k) => branchSql(b.t, k)).join('\n  UNION ALL\n  ')}
  UNION ALL
  ${LOOKUP_BRANCHES.filter((_, k) => !DERIVED.has(k))
    .map((l) => `SELECT ${LOOKUP_K} + q.k, q.v, to_jsonb(q.v) FROM (${l}) q`)
    .join('\n  UNION ALL\n  ')}
) u ORDER BY k, s`;

/** The row (`k`) of CARD_SQL that carries the head. */
const HEAD_K = -3;

/**
 * Head and body in one statement, for when the building's département is known beforehand (a
 * database of one département: soleDepartement): the registry row comes back as row k = HEAD_K
 * and the body's group and footprint ids are read from it. On PGlite, one engine runs one
 * statement at a time: a card that is one statement queues once, not twice, and skips a round
 * trip (in-process: 2.1 → 1.9 ms a card with warm pages, 2.9 → 2.6 ms with cold ones). The
 * body's $2/$3 become reads of the head (nothing for a building that is not standing, nothing at
 * all when the BatID is not in the département); $1 stays the département, $2 is the BatID.
 */
const CARD_SQL = `WITH h AS MATERIALIZED (${HEAD_SQL.replace(/\$1(?!\d)/g, '$$2')} AND b.code_departement_insee = $1)
${BODY_SQL.replace(
  /\$([23])(?!\d)/g,
  (_m, n: string) => `(SELECT ${n === '2' ? 'bg' : 'bc'} FROM h WHERE h.status = 'constructed')`,
).replace(
  'SELECT k, r FROM (\n',
  `SELECT k, r FROM (\n  SELECT ${HEAD_K} AS k, '' AS s, to_jsonb(h) AS r FROM h\n  UNION ALL\n`,
)}`;

/** How long (ms) the département a database holds is taken as known. */
const SOLE_DEPT_MS = 5000;
const soleDepts = new WeakMap<
  Store,
  { dept: string | null; at: number; loading: Promise<string | null> | null }
>();

/**
 * The département of every building of a database that holds one (an embedded département), else
 * null; re-read when asked, at most every SOLE_DEPT_MS. Only a hint: a building outside it (a
 * département imported since) finds nothing in the one statement and is read by head and body.
 */
async function soleDepartement(store: Store): Promise<string | null> {
  let e = soleDepts.get(store);
  if (!e) soleDepts.set(store, (e = { dept: null, at: -Infinity, loading: null }));
  if (performance.now() - e.at < SOLE_DEPT_MS) return e.dept;
  const entry = e;
  entry.loading ??= store
    .query<{ d: string }>(
      `SELECT DISTINCT code_departement_insee AS d FROM batid.source_version WHERE table_name = 'batiment_construction' LIMIT 2`,
    )
    .then(
      (r) => (r.length === 1 && isDeptCode(r[0]!.d) ? r[0]!.d : null),
      // only a hint: a failed read means no guess (two statements) until the next one
      () => null,
    )
    .then((d) => {
      entry.dept = d;
      entry.at = performance.now();
      return d;
    })
    .finally(() => (entry.loading = null));
  return entry.loading;
}

/**
 * Everything the database knows about one building, section by section, each with its source
 * table(s), millésime and licence; empty sections are absent. Every query filters on the
 * building's département first (one partition). Null when the BatID is unknown. `o.dept`: the
 * département to try first (default: the database's only one, if it holds one).
 */
export async function buildingCard(
  store: Store,
  batid: string,
  o: { dept?: string | null } = {},
): Promise<Card | null> {
  const dept = o.dept === undefined ? await soleDepartement(store) : o.dept;
  let b: BuildingHead | null = null;
  let rows: { k: number; r: unknown }[] | null = null;
  if (dept) {
    const all = await store.prepared<{ k: number; r: unknown }>(
      ...inDept('building_card', CARD_SQL, [dept, batid]),
    );
    if (all[0]?.k === HEAD_K) {
      b = all[0].r as BuildingHead;
      rows = all.slice(1);
    }
  }
  b ??= await buildingHead(store, batid);
  if (!b) return null;
  const card: Card = {
    batid: b.batid,
    status: b.status,
    code_departement_insee: b.dept,
    ids: idsOf(b, []),
    addresses: [],
    geometry: b.geometry ? JSON.parse(b.geometry) : null,
    footprint: { surface_m2: b.area },
    sections: {},
  };
  if (b.status !== 'constructed' || !b.bg) return card;
  const versions = b.versions;
  rows ??= await store.prepared<{ k: number; r: unknown }>(
    ...inDept('building_card_body', BODY_SQL, [b.dept, b.bg, b.bc]),
  );
  const byBranch = new Map<number, Record<string, unknown>[]>();
  const lookups: { k: number; v: string }[] = [];
  const derived = new Map<number, Set<string>>();
  for (const row of rows) {
    for (const { lookup, column } of FROM_ROWS.get(row.k) ?? []) {
      const v = (row.r as Record<string, unknown>)[column];
      if (typeof v !== 'string') continue;
      let set = derived.get(lookup);
      if (!set) derived.set(lookup, (set = new Set()));
      set.add(v);
    }
    if (row.k >= LOOKUP_K) lookups.push({ k: row.k - LOOKUP_K, v: row.r as string });
    else if (row.k === -2) card.addresses.push(row.r as CardAddress);
    else if (row.k === -1)
      Object.assign(card.footprint, clean('batiment_construction', row.r as Record<string, unknown>), {
        source: 'bdnb.batiment_construction',
        millesime: versions.batiment_construction ?? null,
      });
    else {
      const r = clean(BRANCHES[row.k]!.t.table, row.r as Record<string, unknown>);
      if (!Object.keys(r).length) continue;
      const l = byBranch.get(row.k);
      if (l) l.push(r);
      else byBranch.set(row.k, [r]);
    }
  }
  // LOOKUP_SQL's order: by lookup (a stable sort keeps the SQL rows' order within one), then
  // value in code-unit order. Of the derived lookups only the owners' SIRENs can hold several
  // values, all digits: the same order in any collation
  for (const [k, set] of derived) for (const v of [...set].sort()) lookups.push({ k, v });
  lookups.sort((x, y) => x.k - y.k);
  card.ids = idsOf(b, lookups);
  BRANCHES.forEach(({ section: s, t }, k) => {
    const useful = byBranch.get(k);
    if (!useful) return;
    const section = (card.sections[s.key] ??= {
      title: s.title,
      source: [],
      millesime: null,
      licence: s.licence,
    });
    section.source.push(`${t.schema ?? 'bdnb'}.${t.table}`);
    // a derived table is as recent as the certificates it comes from
    section.millesime ??= versions[t.schema ? 'dpe_logement' : t.table] ?? null;
    if (t.many)
      (section.rows ??= []).push(...useful.map((r) => (s.tables.length > 1 ? { source: t.table, ...r } : r)));
    else section.data = { ...section.data, ...useful[0] };
  });
  return card;
}
