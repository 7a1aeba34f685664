import { BDNB_TABLES } from '../ingest/catalog/bdnb-tables.js';
import {
  buildingHead,
  HEAD_SQL,
  idsOf,
  lookupBranch,
  LOOKUP_LIST,
  type BuildingHead,
  type BuildingIds,
} from '../ids/linked-ids.js';
import type { Store } from '../store/store.js';
import { inDept } from '../store/dept-statement.js';
import { isDeptCode } from '../ingest/dept.js';
import { swapTransaction } from '../store/swap-transaction.js';
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

/** The hidden keys no external key is read from (FROM_ROWS): clean() drops them. */
const STRIPPED = `'{${[...HIDDEN_COLUMNS].filter((c) => !LOOKUP_LIST.some((l) => l.column === c)).join(',')}}'::text[]`;

/**
 * A section row as the card's statements return it: without its null fields and the hidden keys
 * that clean() would drop anyway — a card body 40 % smaller to store, read and parse. Only the
 * row's own fields: a jsonb value keeps its nulls (a renovation's `changements` has `avant: null`),
 * so for a table with jsonb columns (and the derived tables) the nulls are dropped key by key, not
 * by jsonb_strip_nulls, which goes down into them. '' values stay (clean() drops them).
 */
function rowSql(schema: string, table: string): string {
  const flat = schema === 'bdnb' && !TABLES.get(table)?.columns.some((c) => c.type === 'jsonb');
  return flat
    ? `jsonb_strip_nulls(to_jsonb(x)) - ${STRIPPED}`
    : `coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(to_jsonb(x)) e
                  WHERE e.value <> 'null'::jsonb AND e.key <> ALL (${STRIPPED})), '{}')`;
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

/**
 * How a branch is written. `one`: for one building — $1 département, $2 group id, $3 footprint
 * id. `all`: for every group of the département at once ($1), the group id as a first column
 * `bg` (the card bodies built at import: the same SELECTs, so the same rows).
 */
type Mode = 'one' | 'all';

/** `x.col = $2` for one group, nothing for all; the group column first for all. */
const byGroup = (mode: Mode, col: string): { bg: string; where: string } =>
  mode === 'one' ? { bg: '', where: ` AND ${col} = $2` } : { bg: `${col} AS bg, `, where: '' };

/** The SELECT of one section table for a building (or, `all`, for every group). */
function branchSql(t: SectionDef['tables'][number], k: number, mode: Mode): string {
  const x = cardTable(t.schema ?? 'bdnb', t.table);
  const row = rowSql(t.schema ?? 'bdnb', t.table);
  switch (t.via) {
    case 'parcelle': {
      const g = byGroup(mode, 'p.batiment_groupe_id');
      return `SELECT ${g.bg}${k} AS k, to_jsonb(x)::text AS s, ${row} AS r FROM ${x}
                JOIN bdnb.rel_parcelle_sitadel rs ON rs.code_departement_insee = x.code_departement_insee AND rs.numero_permis = x.numero_permis
                JOIN bdnb.rel_batiment_groupe_parcelle p ON p.code_departement_insee = rs.code_departement_insee AND p.parcelle_id = rs.parcelle_id
               WHERE p.code_departement_insee = $1${g.where}`;
    }
    case 'bc':
      return `SELECT ${k} AS k, '' AS s, ${row} AS r FROM ${x} WHERE x.code_departement_insee = $1 AND x.batiment_construction_id = $3`;
    default: {
      if (t.table === 'dpe_logement') {
        const g = byGroup(mode, 'd.batiment_groupe_id');
        // what the history adds (src/renovation/derive-renovations.ts) beside each certificate
        return `SELECT ${g.bg}${k} AS k, coalesce(x.date_etablissement_dpe::text, '') || x.identifiant_dpe AS s,
                       ${row} || jsonb_strip_nulls(jsonb_build_object('logement', rd.logement,
                         'classe_facteur_2026', rd.classe_facteur_2026, 'conso_ep_m2_facteur_2026', rd.conso_ep_m2_facteur_2026,
                         'changement_methode', rd.changement_methode, 'g_plus', rd.g_plus, 'remplace_par', rd.remplace_par,
                         'valide', CASE WHEN rd.identifiant_dpe IS NOT NULL THEN rd.remplace_par IS NULL END)) AS r
                  FROM ${x}
                  JOIN bdnb.rel_batiment_groupe_dpe_logement d ON d.code_departement_insee = x.code_departement_insee AND d.identifiant_dpe = x.identifiant_dpe
                  LEFT JOIN renovation.dpe rd ON rd.code_departement_insee = d.code_departement_insee
                   AND rd.batiment_groupe_id = d.batiment_groupe_id AND rd.identifiant_dpe = d.identifiant_dpe
                 WHERE d.code_departement_insee = $1${g.where}`;
      }
      const g = byGroup(mode, 'x.batiment_groupe_id');
      if (t.schema === 'renovation')
        return `SELECT ${g.bg}${k} AS k, coalesce(x.date_apres::text, '') || x.dpe_apres AS s, ${row} AS r FROM ${x}
                 WHERE x.code_departement_insee = $1${g.where}`;
      // the rows of a many-row table in a fixed order, by millésime where the table has one
      // (the plan's order is no order: the yearly consumptions came out shuffled when the
      // statement lost a branch)
      return `SELECT ${g.bg}${k} AS k, ${t.many ? manyOrder(t.table) : "''"} AS s, ${row} AS r FROM ${x} WHERE x.code_departement_insee = $1${g.where}`;
    }
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

/** The external keys that need a branch of their own, by what they are read by. */
const OWN_LOOKUPS = LOOKUP_LIST.map((l, k) => ({ l, k })).filter(({ k }) => !DERIVED.has(k));

/**
 * The branches read by the building's group (addresses, k = -2; the section tables; the keys
 * read by group): the same for every building of the group, so built ahead of time for all
 * groups at import (`buildCardBodies`) and read as one row of batid.card_body.
 */
function groupBranches(mode: Mode): string[] {
  const g = byGroup(mode, 'r.batiment_groupe_id');
  return [
    `SELECT ${g.bg}-2 AS k, CASE WHEN r.lien_valide THEN '0' WHEN NOT r.lien_valide THEN '1' ELSE '2' END || a.cle_interop_adr AS s,
         jsonb_build_object('cle_interop_adr', a.cle_interop_adr,
           'label', coalesce(a.libelle_adresse, concat_ws(' ', a.numero, a.rep, a.type_voie, a.nom_voie, a.code_postal, a.libelle_commune)),
           'lien_valide', r.lien_valide,
           'lon', round(ST_X(ST_Transform(a.geom_adresse, 4326))::numeric, 7)::float8,
           'lat', round(ST_Y(ST_Transform(a.geom_adresse, 4326))::numeric, 7)::float8) AS r
    FROM bdnb.rel_batiment_groupe_adresse r
    JOIN bdnb.adresse a ON a.code_departement_insee = r.code_departement_insee AND a.cle_interop_adr = r.cle_interop_adr
   WHERE r.code_departement_insee = $1${g.where}`,
    ...BRANCHES.flatMap((b, k) => (b.t.via === 'bc' ? [] : [branchSql(b.t, k, mode)])),
    ...OWN_LOOKUPS.filter(({ l }) => l.via === 'bg').map(
      ({ k }) =>
        `SELECT ${byGroup(mode, 'q.bg').bg}${LOOKUP_K} + q.k, q.v, to_jsonb(q.v) FROM (${lookupBranch(k, mode === 'all')}) q`,
    ),
  ];
}

/** The branches read by the footprint: the footprint itself (k = -1), its sections and keys. */
const FOOTPRINT_BRANCHES = [
  `SELECT -1 AS k, '' AS s, ${rowSql('bdnb', 'batiment_construction')} AS r FROM ${cardTable('bdnb', 'batiment_construction')} WHERE x.code_departement_insee = $1 AND x.batiment_construction_id = $3`,
  ...BRANCHES.flatMap((b, k) => (b.t.via === 'bc' ? [branchSql(b.t, k, 'one')] : [])),
  ...OWN_LOOKUPS.filter(({ l }) => l.via === 'bc').map(
    ({ k }) => `SELECT ${LOOKUP_K} + q.k, q.v, to_jsonb(q.v) FROM (${lookupBranch(k)}) q`,
  ),
];

const unionOf = (branches: string[]): string => `SELECT k, r FROM (
  ${branches.join('\n  UNION ALL\n  ')}
) u ORDER BY k, s`;

/**
 * The group-level rows read live ($1 département, $2 group id), in one round trip — the
 * addresses (k = -2), each section table (k = its branch), the keys read by group — when the
 * group's card body is stale or absent: a card is a few prepared statements, not one query per
 * table (p99 under load is what users feel).
 */
const GROUP_SQL = unionOf(groupBranches('one'));

/**
 * The département's data version ($1): a generation bumped by every swap of one of its BDNB
 * tables and by its derived renovations (BAN addresses are not in the card), kept with its
 * millésimes by migrations/0022. Card bodies built from another version are not read.
 */
const DATA_VERSION_SQL = `(SELECT dv.data_version FROM batid.dept_version dv WHERE dv.code_departement_insee = $1)`;

/** The row (`k`) that carries the group's card body: `[[k…], [r…]]`, its rows in order. */
const CACHED_K = -3;

/**
 * The footprint's rows read live and the group's from its card body, when that was built from
 * the département's current data. $1 département, $2 group id, $3 footprint id.
 */
const CACHED_BODY_SQL = unionOf([
  ...FOOTPRINT_BRANCHES,
  `SELECT ${CACHED_K} AS k, '' AS s, c.rows AS r FROM batid.card_body c
    WHERE c.code_departement_insee = $1 AND c.batiment_groupe_id = $2
      AND (SELECT cb.data_version FROM batid.card_build cb WHERE cb.code_departement_insee = $1) = ${DATA_VERSION_SQL}`,
]);

/** The row (`k`) of CARD_SQL that carries the head: its first (the smallest k). */
const HEAD_K = -4;

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
${CACHED_BODY_SQL.replace(
  /\$([23])(?!\d)/g,
  (_m, n: string) => `(SELECT ${n === '2' ? 'bg' : 'bc'} FROM h WHERE h.status = 'constructed')`,
).replace(
  'SELECT k, r FROM (\n',
  `SELECT k, r FROM (\n  SELECT ${HEAD_K} AS k, '' AS s, to_jsonb(h) AS r FROM h\n  UNION ALL\n`,
)}`;

/**
 * Every group's card body of a département at once ($1): the group branches written for all
 * groups (the same SELECTs as a card's, so the same rows), aggregated per group in the order of
 * GROUP_SQL, as `[[k…], [r…]]` (two arrays: no wrapper object per row). Every standing
 * building's group gets a body (the rows with k null: its building), `[[], []]` when nothing is
 * known of it, else its cards would be read live. A jsonb aggregate's ORDER BY sorts like the
 * statement's ORDER BY (same types, same collation). One UNION ALL grouped by group, not the
 * groups joined to the union: the join materialised every row (~15 % of the build).
 */
const BUILD_SQL = `WITH ins AS (INSERT INTO batid.card_body__new (code_departement_insee, batiment_groupe_id, rows)
  SELECT $1, u.bg,
         jsonb_build_array(
           coalesce(to_jsonb(array_agg(u.k ORDER BY u.k, u.s) FILTER (WHERE u.k IS NOT NULL)), '[]'),
           coalesce(jsonb_agg(u.r ORDER BY u.k, u.s) FILTER (WHERE u.k IS NOT NULL), '[]'))
    FROM (
      SELECT b.batiment_groupe_id AS bg, NULL::int AS k, NULL::text AS s, NULL::jsonb AS r FROM batid.building b
       WHERE b.code_departement_insee = $1 AND b.status = 'constructed' AND b.batiment_groupe_id IS NOT NULL
      UNION ALL
      ${groupBranches('all').join('\n      UNION ALL\n      ')}
    ) u
   GROUP BY u.bg
  HAVING count(*) FILTER (WHERE u.k IS NULL) > 0
  RETURNING 1)
SELECT count(*)::int AS n FROM ins`;

export interface CardBodiesSummary {
  dept: string;
  groups: number;
  seconds: number;
}

/**
 * Builds the card bodies of a département from its current data (after an import: its tables,
 * BatIDs and derived renovations in place) into a table of its own, then swaps it in as the
 * département's partition in one short transaction (as an import swaps a BDNB table): until
 * then cards read the old bodies, which no longer match the data version, live.
 */
export async function buildCardBodies(store: Store, dept: string): Promise<CardBodiesSummary> {
  const t0 = performance.now();
  if (!isDeptCode(dept)) throw new Error(`buildCardBodies: not a département code: ${JSON.stringify(dept)}`);
  const part = `card_body_${dept.toLowerCase()}`;
  const fresh = `${part}__new`;
  const [, sql, params] = inDept('card_bodies', BUILD_SQL.replace('batid.card_body__new', `batid.${fresh}`), [
    dept,
  ]);
  await store.exec(
    `DROP TABLE IF EXISTS batid.${fresh}; CREATE TABLE batid.${fresh} (LIKE batid.card_body INCLUDING COMPRESSION)`,
  );
  // the version read before the data: an import that lands meanwhile leaves these bodies
  // marked older than the data (read live until the next build), never the reverse
  const [v] = await store.query<{ v: string | null }>(`SELECT ${DATA_VERSION_SQL}::text AS v`, [dept]);
  const [r] = await store.query<{ n: number }>(sql, params);
  const groups = r?.n ?? 0;
  // the check lets ATTACH skip its scan; the key is the parent's, built once after the rows
  await store.exec(
    `ALTER TABLE batid.${fresh} ADD CONSTRAINT ${part}_dept_check CHECK (code_departement_insee IS NOT NULL AND code_departement_insee = '${dept}');
     ALTER TABLE batid.${fresh} ADD CONSTRAINT ${fresh}_pkey PRIMARY KEY (code_departement_insee, batiment_groupe_id)`,
  );
  await swapTransaction(store, async (tx) => {
    await tx.exec(
      `DROP TABLE IF EXISTS batid.${part};
       ALTER TABLE batid.${fresh} RENAME TO ${part};
       ALTER TABLE batid.${part} RENAME CONSTRAINT ${fresh}_pkey TO ${part}_pkey;
       ALTER TABLE batid.card_body ATTACH PARTITION batid.${part} FOR VALUES IN ('${dept}')`,
    );
    if (v?.v == null)
      await tx.query(`DELETE FROM batid.card_build WHERE code_departement_insee = $1`, [dept]);
    else
      await tx.query(
        `INSERT INTO batid.card_build (code_departement_insee, data_version, groups) VALUES ($1, $2::bigint, $3)
         ON CONFLICT (code_departement_insee) DO UPDATE SET data_version = excluded.data_version, groups = excluded.groups, built_at = now()`,
        [dept, v.v, groups],
      );
  });
  await store.exec(`ANALYZE batid.${part}`);
  return { dept, groups, seconds: (performance.now() - t0) / 1000 };
}

/** The départements whose card bodies are absent or not built from their current data. */
export async function staleCardDepartements(store: Store): Promise<string[]> {
  const rows = await store.query<{ d: string }>(
    `SELECT dv.code_departement_insee AS d FROM batid.dept_version dv
      WHERE dv.data_version IS DISTINCT FROM
            (SELECT cb.data_version FROM batid.card_build cb WHERE cb.code_departement_insee = dv.code_departement_insee)
      ORDER BY 1`,
  );
  return rows.map((r) => r.d);
}

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
    ...inDept('building_card_body', CACHED_BODY_SQL, [b.dept, b.bg, b.bc]),
  );
  // the group's rows: from its card body when that is current, else read live
  const cached = rows.find((r) => r.k === CACHED_K);
  if (cached) {
    const [ks, rs] = cached.r as [number[], unknown[]];
    rows = rows.filter((r) => r !== cached);
    for (let i = 0; i < ks.length; i++) rows.push({ k: ks[i]!, r: rs[i] });
  } else
    rows = [
      ...rows,
      ...(await store.prepared<{ k: number; r: unknown }>(
        ...inDept('building_card_group', GROUP_SQL, [b.dept, b.bg]),
      )),
    ];
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
