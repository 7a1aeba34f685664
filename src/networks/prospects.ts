import { type Bbox, decodeCursor, encodeCursor, LocateInputError, parseBbox } from '../buildings/locate.js';
import { deptOfCommune } from '../ingest/dept.js';
import type { Queryable } from '../store/store.js';

/**
 * Prospects for a heat network (France Chaleur Urbaine, domain.md §3): the constructed buildings
 * heated collectively with gas or fuel oil whose footprint is within `distanceM` of an open,
 * traced heat network. Listed by BatID with keyset pagination (like src/buildings/locate.ts), or
 * streamed whole for CSV/XLSX exports. Every join is on (département, id), so each stays within
 * one partition (one shard); networks are a small reference table (fcu.network, GiST).
 *
 * Sources, all per BDNB building group: heating installation and energy, DPE label
 * (batiment_groupe_dpe_representatif_logement); dwellings from the land files
 * (batiment_groupe_ffo_bat.nb_log, every residential building) else the copropriété register
 * (batiment_groupe_rnc.nb_log, copropriétés only); construction year from the land files, else
 * the DPE; copropriété name from the register; address from batiment_groupe_adresse. A group with
 * several footprints lists each of its BatIDs, each with the group's figures.
 */

export const PROSPECT_DEFAULT_DISTANCE_M = 50;
export const PROSPECT_MAX_DISTANCE_M = 1000;
export const PROSPECT_MAX_LIMIT = 1000;
/** Rows fetched per query when streaming every row (export). */
const EXPORT_PAGE = 2000;

/** A bad prospects parameter, with the stable code the HTTP layer answers with. */
export class ProspectInputError extends Error {
  constructor(
    readonly code: 'invalid_parameter' | 'bbox_too_large' | 'invalid_cursor' | 'unknown_network',
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Heating: the rule, pure, and the same rule as SQL

/** The heating kinds the FCU statistics count (stats-bdnb-2022-*.json). */
export const HEATING_KINDS = ['collectif_gaz', 'individuel_gaz', 'collectif_fioul'] as const;
export type HeatingKind = (typeof HEATING_KINDS)[number];
/** The kinds a network can win over: collective boilers, one connection for the whole building. */
export const PROSPECT_KINDS: readonly HeatingKind[] = ['collectif_gaz', 'collectif_fioul'];

/**
 * The heating kind of a building from its DPE's `type_installation_chauffage` and
 * `type_energie_chauffage` (BDNB simplified vocabulary: `collectif` / `individuel`, `gaz`,
 * `fioul`, …; the synthetic export writes `gaz naturel`; older exports combine energies as
 * `gaz + electricite`, the main one first). The main energy is the part before `+`; gas is `gaz`
 * or `gaz …` (natural gas; LPG is `gpl…`, which FCU does not count), fuel oil is `fioul` or
 * `fioul …`. `mixte` installations and every other energy have no kind.
 */
export function heatingKind(
  installation: string | null | undefined,
  energy: string | null | undefined,
): HeatingKind | null {
  const i = (installation ?? '').trim().toLowerCase();
  const e = (energy ?? '').split('+')[0]!.trim().toLowerCase();
  const gas = e === 'gaz' || e.startsWith('gaz ');
  const fuel = e === 'fioul' || e.startsWith('fioul ');
  if (i === 'collectif' && gas) return 'collectif_gaz';
  if (i === 'collectif' && fuel) return 'collectif_fioul';
  if (i === 'individuel' && gas) return 'individuel_gaz';
  return null;
}

/** `heatingKind` as a SQL expression on two text columns (checked against it by the tests). */
export function heatingKindSql(installation: string, energy: string): string {
  const i = `lower(btrim(${installation}))`;
  const e = `lower(btrim(split_part(${energy}, '+', 1)))`;
  const gas = `(${e} = 'gaz' OR ${e} LIKE 'gaz %')`;
  const fuel = `(${e} = 'fioul' OR ${e} LIKE 'fioul %')`;
  return `(CASE WHEN ${i} = 'collectif' AND ${gas} THEN 'collectif_gaz'
                WHEN ${i} = 'collectif' AND ${fuel} THEN 'collectif_fioul'
                WHEN ${i} = 'individuel' AND ${gas} THEN 'individuel_gaz' END)`;
}

/**
 * The networks a building can connect to, on fcu.network aliased `n`: heat networks (never cold
 * ones, never those under construction), open to connections (unknown counts as open, as FCU
 * does), with a traced geometry (an untraced network is a point standing for its commune).
 */
export function openHeatNetworkSql(n = 'n'): string {
  return `${n}.layer = 'reseau_de_chaleur' AND ${n}.open_to_connections IS NOT FALSE
          AND ${n}.has_trace IS NOT FALSE AND ST_Dimension(${n}.geom) >= 1`;
}

/** Dwellings of a group: land files (every residential building), else the copropriété register. */
export const DWELLINGS_SQL = 'COALESCE(f.nb_log, round(r.nb_log)::int)';

// ---------------------------------------------------------------------------------------------
// Parameters

export interface ProspectParams {
  /** INSEE code of a commune; exactly one of commune, network, bbox */
  commune?: string | undefined;
  /** a heat network: its FCU id (digits) or its SNCU id (e.g. 7501C) */
  network?: string | undefined;
  /** `minLon,minLat,maxLon,maxLat` in WGS84 (each side ≤ 0.5°), or the parsed box */
  bbox?: string | Bbox | undefined;
  /** metres from the footprint to the network, default 50, at most 1000 */
  distanceM?: number | undefined;
  /** rows per page (listing only), default 100, at most 1000 */
  limit?: number | undefined;
  /** next_cursor of the previous page (listing only) */
  cursor?: string | null | undefined;
}

type Scope =
  | { kind: 'commune'; dept: string; commune: string }
  | { kind: 'network'; ids: number[]; depts: string[] | null }
  | { kind: 'bbox'; bbox: Bbox };

interface Resolved {
  scope: Scope;
  distanceM: number;
}

/** Locate's parse errors (bbox, cursor) under this module's error type. */
function fromLocate<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LocateInputError) throw new ProspectInputError(err.code, err.message);
    throw err;
  }
}

/** Checks the parameters (exactly one place, a distance in range) and finds the network asked for. */
async function resolveParams(db: Queryable, params: ProspectParams): Promise<Resolved> {
  const given = (['commune', 'network', 'bbox'] as const).filter((k) => params[k] !== undefined);
  if (given.length !== 1)
    throw new ProspectInputError(
      'invalid_parameter',
      `expected exactly one of commune, network or bbox, got ${given.length ? given.join(' and ') : 'none'}`,
    );
  const distanceM = params.distanceM ?? PROSPECT_DEFAULT_DISTANCE_M;
  if (!Number.isFinite(distanceM) || distanceM <= 0 || distanceM > PROSPECT_MAX_DISTANCE_M)
    throw new ProspectInputError(
      'invalid_parameter',
      `distance_m: expected a number of metres in ]0, ${PROSPECT_MAX_DISTANCE_M}], got ${distanceM}`,
    );
  if (params.commune !== undefined) {
    const commune = params.commune.trim().toUpperCase();
    const dept = deptOfCommune(commune);
    if (!dept || commune.length !== 5)
      throw new ProspectInputError(
        'invalid_parameter',
        `commune: expected an INSEE code such as 03185, got "${params.commune}"`,
      );
    return { scope: { kind: 'commune', dept, commune }, distanceM };
  }
  if (params.bbox !== undefined) {
    const raw = params.bbox;
    const bbox = typeof raw === 'string' ? fromLocate(() => parseBbox(raw)) : raw;
    return { scope: { kind: 'bbox', bbox }, distanceM };
  }
  return { scope: await resolveNetwork(db, params.network ?? ''), distanceM };
}

/** A heat network by FCU id or SNCU id, with the départements of its communes (when it lists them). */
async function resolveNetwork(db: Queryable, ref: string): Promise<Scope> {
  const text = ref.trim();
  if (!/^[0-9A-Za-z]{1,20}$/.test(text))
    throw new ProspectInputError(
      'invalid_parameter',
      `network: expected an FCU id (digits) or an SNCU id such as 7501C, got "${ref}"`,
    );
  const idFcu = /^\d{1,9}$/.test(text) ? Number(text) : null;
  const rows = await db.query<{ id_fcu: number; communes_insee: string[] }>(
    `SELECT id_fcu, communes_insee FROM fcu.network
      WHERE layer = 'reseau_de_chaleur' AND (id_fcu = $1 OR upper(sncu_id) = upper($2))
      ORDER BY id_fcu`,
    [idFcu, text],
  );
  if (!rows.length) throw new ProspectInputError('unknown_network', `no heat network "${text}"`);
  const depts = new Set<string>();
  let everyListed = true;
  for (const r of rows) {
    const ds = (r.communes_insee ?? []).map(deptOfCommune).filter((d): d is string => d !== null);
    if (!ds.length) everyListed = false;
    for (const d of ds) depts.add(d);
  }
  // a network that lists no commune is searched in every partition (correct, not pruned)
  return { kind: 'network', ids: rows.map((r) => r.id_fcu), depts: everyListed ? [...depts] : null };
}

// ---------------------------------------------------------------------------------------------
// Rows

export interface Prospect {
  batid: string;
  batiment_groupe_id: string;
  code_departement_insee: string;
  code_commune_insee: string | null;
  /** BAN label of the group's main address */
  address: string | null;
  dwellings: number | null;
  /** DPE label A–G of the group's representative DPE */
  dpe_label: string | null;
  construction_year: number | null;
  copro_name: string | null;
  heating: { installation: string | null; energy: string | null; kind: HeatingKind };
  /** metres from the footprint to the nearest open heat network, to 0.1 m */
  distance_m: number;
  network: { id_fcu: number; sncu_id: string | null; name: string | null; operator: string | null };
  /** a point on the footprint, WGS84 */
  lon: number;
  lat: number;
}

/** A row as the query returns it: the heating and the network flattened. */
type ProspectRow = Omit<Prospect, 'heating' | 'network'> & {
  heating_installation: string | null;
  heating_energy: string | null;
  heating_kind: HeatingKind;
  id_fcu: number;
  sncu_id: string | null;
  network_name: string | null;
  network_operator: string | null;
};

const toProspect = (r: ProspectRow): Prospect => ({
  batid: r.batid,
  batiment_groupe_id: r.batiment_groupe_id,
  code_departement_insee: r.code_departement_insee,
  code_commune_insee: r.code_commune_insee,
  address: r.address,
  dwellings: r.dwellings,
  dpe_label: r.dpe_label,
  construction_year: r.construction_year,
  copro_name: r.copro_name,
  heating: { installation: r.heating_installation, energy: r.heating_energy, kind: r.heating_kind },
  distance_m: Math.round(r.distance_m * 10) / 10,
  network: { id_fcu: r.id_fcu, sncu_id: r.sncu_id, name: r.network_name, operator: r.network_operator },
  lon: r.lon,
  lat: r.lat,
});

/** The first name of the register's list (jsonb array, or a bare string in some exports). */
const COPRO_NAME = `CASE jsonb_typeof(r.l_nom_copro) WHEN 'array' THEN r.l_nom_copro ->> 0
                                                   WHEN 'string' THEN r.l_nom_copro #>> '{}' END`;

/** One page (after `after`, by BatID) of the prospects of a resolved scope. */
async function page(db: Queryable, q: Resolved, after: string, n: number): Promise<ProspectRow[]> {
  const params: unknown[] = [];
  const $ = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const d = `${$(q.distanceM)}::float8`;
  const s = q.scope;
  let from = '';
  let where: string;
  if (s.kind === 'commune') {
    from = `JOIN bdnb.batiment_groupe g ON g.code_departement_insee = c.code_departement_insee
                                      AND g.batiment_groupe_id = c.batiment_groupe_id`;
    where = `c.code_departement_insee = ${$(s.dept)} AND g.code_commune_insee = ${$(s.commune)}`;
  } else if (s.kind === 'bbox') {
    // densified before projection: a lon/lat box has curved sides in Lambert-93
    from = `CROSS JOIN (SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope(${$(s.bbox[0])}::float8, ${$(s.bbox[1])}::float8,
                        ${$(s.bbox[2])}::float8, ${$(s.bbox[3])}::float8, 4326), 0.01), 2154) AS geom) box`;
    // only the networks that can reach the box are looked at (the layer is national)
    where = `n.geom && ST_Expand(box.geom, ${d}) AND c.geom_cstr && box.geom AND ST_Intersects(c.geom_cstr, box.geom)`;
  } else {
    where = `n.id_fcu = ANY(${$(s.ids)}::int[])`;
    if (s.depts) where += ` AND c.code_departement_insee = ANY(${$(s.depts)}::text[])`;
  }
  const kind = heatingKindSql('dp.type_installation_chauffage', 'dp.type_energie_chauffage');
  // The prospects of the scope are found whole first: networks → footprints within d (GiST of
  // the footprints), the nearest network kept per BatID. It is a materialised CTE because with
  // the page's ORDER BY … LIMIT in sight the planner would walk the registry in BatID order and
  // probe every building. Then the page is cut, and only its rows get their details.
  const sql = `
    WITH hits AS MATERIALIZED (
      SELECT DISTINCT ON (b.batid)
             b.batid, c.batiment_groupe_id, c.code_departement_insee, c.code_commune_insee, c.geom_cstr,
             dp.classe_bilan_dpe, dp.annee_construction_dpe,
             dp.type_installation_chauffage, dp.type_energie_chauffage, ${kind} AS heating_kind,
             ST_Distance(n.geom, c.geom_cstr) AS distance_m,
             n.id_fcu, n.sncu_id, n.name AS network_name, n.operator AS network_operator
        FROM fcu.network n
        JOIN bdnb.batiment_construction c ON ST_DWithin(c.geom_cstr, n.geom, ${d})
        JOIN batid.building b ON b.code_departement_insee = c.code_departement_insee
                             AND b.batiment_construction_id = c.batiment_construction_id
                             AND b.status = 'constructed'
        JOIN bdnb.batiment_groupe_dpe_representatif_logement dp
          ON dp.code_departement_insee = c.code_departement_insee AND dp.batiment_groupe_id = c.batiment_groupe_id
        ${from}
       WHERE ${openHeatNetworkSql('n')}
         AND ${where}
         AND c.fictive_geom_cstr IS NOT TRUE
         AND ${kind} IN (${PROSPECT_KINDS.map((k) => `'${k}'`).join(', ')})
         AND b.batid > ${$(after)}
       ORDER BY b.batid, ST_Distance(n.geom, c.geom_cstr), n.id_fcu
    ), page AS (
      SELECT * FROM hits ORDER BY batid LIMIT ${$(n)}
    )
    SELECT h.batid, h.batiment_groupe_id, h.code_departement_insee, h.code_commune_insee,
           COALESCE(ga.libelle_adr_principale_ban, a.libelle_adresse) AS address,
           ${DWELLINGS_SQL} AS dwellings,
           h.classe_bilan_dpe AS dpe_label,
           COALESCE(f.annee_construction, h.annee_construction_dpe) AS construction_year,
           ${COPRO_NAME} AS copro_name,
           h.type_installation_chauffage AS heating_installation,
           h.type_energie_chauffage AS heating_energy,
           h.heating_kind, h.distance_m, h.id_fcu, h.sncu_id, h.network_name, h.network_operator,
           round(ST_X(ST_Transform(ST_PointOnSurface(h.geom_cstr), 4326))::numeric, 7)::float8 AS lon,
           round(ST_Y(ST_Transform(ST_PointOnSurface(h.geom_cstr), 4326))::numeric, 7)::float8 AS lat
      FROM page h
      LEFT JOIN bdnb.batiment_groupe_ffo_bat f
        ON f.code_departement_insee = h.code_departement_insee AND f.batiment_groupe_id = h.batiment_groupe_id
      LEFT JOIN bdnb.batiment_groupe_rnc r
        ON r.code_departement_insee = h.code_departement_insee AND r.batiment_groupe_id = h.batiment_groupe_id
      LEFT JOIN bdnb.batiment_groupe_adresse ga
        ON ga.code_departement_insee = h.code_departement_insee AND ga.batiment_groupe_id = h.batiment_groupe_id
      LEFT JOIN bdnb.adresse a
        ON a.code_departement_insee = h.code_departement_insee AND a.cle_interop_adr = ga.cle_interop_adr_principale_ban
     ORDER BY h.batid`;
  return db.query<ProspectRow>(sql, params);
}

export interface ProspectPage {
  results: Prospect[];
  next_cursor: string | null;
}

/** One page of prospects, by BatID; the cursor is the last BatID of the page (keyset). */
export async function prospects(db: Queryable, params: ProspectParams): Promise<ProspectPage> {
  const limit = Math.min(Math.max(1, Math.trunc(params.limit ?? 100)), PROSPECT_MAX_LIMIT);
  const after = params.cursor ? fromLocate(() => decodeCursor(params.cursor ?? '')) : '';
  const q = await resolveParams(db, params);
  const rows = await page(db, q, after, limit + 1);
  const results = rows.slice(0, limit).map(toProspect);
  const last = results[results.length - 1];
  return { results, next_cursor: rows.length > limit && last ? encodeCursor(last.batid) : null };
}

/**
 * Every prospect of the scope (limit and cursor ignored), by BatID, fetched a page at a time so
 * memory stays flat. The parameters are checked before this resolves, so a caller can answer 400
 * before it starts streaming.
 */
export async function prospectRows(db: Queryable, params: ProspectParams): Promise<AsyncGenerator<Prospect>> {
  const q = await resolveParams(db, params);
  return (async function* () {
    let after = '';
    for (;;) {
      const rows = await page(db, q, after, EXPORT_PAGE);
      for (const r of rows) yield toProspect(r);
      if (rows.length < EXPORT_PAGE) return;
      after = rows[rows.length - 1]!.batid;
    }
  })();
}

// ---------------------------------------------------------------------------------------------
// Export columns

export interface ProspectColumn {
  key: string;
  /** French header of exports */
  header: string;
  value: (p: Prospect) => string | number | null;
}

/** The columns of the CSV (and later XLSX) export, in order. */
export const PROSPECT_COLUMNS: readonly ProspectColumn[] = [
  { key: 'batid', header: 'BatID', value: (p) => p.batid },
  { key: 'adresse', header: 'Adresse', value: (p) => p.address },
  { key: 'code_commune_insee', header: 'Code commune INSEE', value: (p) => p.code_commune_insee },
  { key: 'logements', header: 'Nombre de logements', value: (p) => p.dwellings },
  { key: 'etiquette_dpe', header: 'Étiquette DPE', value: (p) => p.dpe_label },
  { key: 'annee_construction', header: 'Année de construction', value: (p) => p.construction_year },
  { key: 'copropriete', header: 'Nom de la copropriété', value: (p) => p.copro_name },
  {
    key: 'installation_chauffage',
    header: 'Installation de chauffage',
    value: (p) => p.heating.installation,
  },
  { key: 'energie_chauffage', header: 'Énergie de chauffage', value: (p) => p.heating.energy },
  { key: 'distance_m', header: 'Distance au réseau (m)', value: (p) => p.distance_m },
  { key: 'reseau_id_fcu', header: 'Identifiant FCU du réseau', value: (p) => p.network.id_fcu },
  { key: 'reseau_id_sncu', header: 'Identifiant SNCU du réseau', value: (p) => p.network.sncu_id },
  { key: 'reseau_nom', header: 'Nom du réseau', value: (p) => p.network.name },
  { key: 'reseau_gestionnaire', header: 'Gestionnaire du réseau', value: (p) => p.network.operator },
  { key: 'longitude', header: 'Longitude (WGS84)', value: (p) => p.lon },
  { key: 'latitude', header: 'Latitude (WGS84)', value: (p) => p.lat },
  {
    key: 'batiment_groupe_id',
    header: 'Identifiant BDNB du groupe de bâtiments',
    value: (p) => p.batiment_groupe_id,
  },
];

const csvCell = (v: string | number | null): string => {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const prospectCsvHeader = (): string =>
  `${PROSPECT_COLUMNS.map((c) => csvCell(c.header)).join(',')}\n`;

export const prospectCsvLine = (p: Prospect): string =>
  `${PROSPECT_COLUMNS.map((c) => csvCell(c.value(p))).join(',')}\n`;

/**
 * Every prospect as CSV (comma-separated, RFC 4180 quoting, French header, UTF-8), in chunks of
 * up to a thousand lines. Parameters are checked before this resolves.
 */
export async function prospectsCsv(db: Queryable, params: ProspectParams): Promise<AsyncGenerator<string>> {
  const rows = await prospectRows(db, params);
  return (async function* () {
    yield prospectCsvHeader();
    let chunk = '';
    let n = 0;
    for await (const p of rows) {
      chunk += prospectCsvLine(p);
      if (++n % 1000 === 0) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  })();
}
