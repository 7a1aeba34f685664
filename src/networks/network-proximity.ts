import { createRequire } from 'node:module';
import { deptOfCommune, normaliseDept } from '../ingest/dept.js';
import type { Queryable } from '../store/store.js';
import {
  DWELLINGS_SQL,
  HEATING_KINDS,
  type HeatingKind,
  heatingKindSql,
  openHeatNetworkSql,
} from './prospects.js';

/**
 * Buildings and dwellings near a heat network, per département, at 50, 100 and 150 m, in the
 * layout of France Chaleur Urbaine's national reference (`stats-bdnb-2022-departements.json`):
 *
 * - `batiments.{collectif_gaz, individuel_gaz, collectif_fioul}`: buildings by heating kind
 *   (`heatingKind` in prospects.ts), `logements.{…}` their dwellings;
 * - `nb_batiments` / `nb_logements`: the connectable ones only, collective gas + collective fuel
 *   oil — individual gas is shown beside them, never added (true of all 288 département × band
 *   rows of the 2022 file; FCU's page reads "N bâtiments raccordables, dont gaz collectif, fioul
 *   collectif, et gaz individuel");
 * - the bands are cumulative (≤ 50 m ⊂ ≤ 100 m ⊂ ≤ 150 m, never decreasing in the file), and the
 *   counts are additive: the national file is the sum of the départements, so each building is
 *   counted in one département, its own;
 * - `nb_reseaux`: heat networks of the département; `taux_enrr`: their EnR&R rate (%), null
 *   without networks.
 *
 * Our unit is the BDNB building group (heating, DPE and dwellings are group facts, so counting
 * footprints would count a group's dwellings once per footprint); a group is near when one of its
 * constructed, surveyed footprints is within the band of an open, traced heat network
 * (`openHeatNetworkSql`). Dwellings of a group without a count add 0.
 */

export const PROXIMITY_BANDS_M = [50, 100, 150] as const;
export type BandKey = `${(typeof PROXIMITY_BANDS_M)[number]}m`;
const MAX_BAND_M = Math.max(...PROXIMITY_BANDS_M);

export type HeatingCounts = Record<HeatingKind, number>;

export interface ProximityBand {
  batiments: HeatingCounts;
  logements: HeatingCounts;
  /** collectif_gaz + collectif_fioul buildings (the connectable ones) */
  nb_batiments: number;
  /** their dwellings */
  nb_logements: number;
}

export type DepartementNetworkProximity = {
  departement_code: string;
  departement_nom: string | null;
  region_code: string | null;
  region_nom: string | null;
  /** heat networks whose communes lie in the département (open or not, traced or not) */
  nb_reseaux: number;
  /** EnR&R rate of those networks, %, 2 decimals (see `enrrRate`); null when none has one */
  taux_enrr: number | null;
} & Record<BandKey, ProximityBand>;

/** A bad indicator parameter (400). */
export class ProximityInputError extends Error {
  readonly code = 'invalid_parameter';
}

// ---------------------------------------------------------------------------------------------
// Pure parts

const bandKey = (m: number) => `${m}m` as BandKey;

const zeroCounts = (): HeatingCounts => ({ collectif_gaz: 0, individuel_gaz: 0, collectif_fioul: 0 });

export function emptyBand(): ProximityBand {
  return { batiments: zeroCounts(), logements: zeroCounts(), nb_batiments: 0, nb_logements: 0 };
}

export interface NetworkFigures {
  enrr_rate: number | null;
  /** heat delivered per year (MWh), from the SNCU survey, when the layer carries it */
  deliveries_mwh: number | null;
}

/**
 * The EnR&R rate of a set of networks: weighted by the heat each delivers when every network
 * with a rate also has its deliveries (so a big network counts for what it supplies), else the
 * plain mean of the rates; 2 decimals; null when no network has a rate. The 2022 file cannot
 * settle the weighting by itself (its national 66.5 % is below the mean of its networks, ≈ 72 %,
 * which points at a weighting by size); with one network both give that network's rate.
 */
export function enrrRate(networks: readonly NetworkFigures[]): number | null {
  const rated = networks.filter((n): n is NetworkFigures & { enrr_rate: number } => n.enrr_rate !== null);
  if (!rated.length) return null;
  const weighted = rated.every((n) => n.deliveries_mwh !== null && n.deliveries_mwh > 0);
  const w = (n: NetworkFigures) => (weighted ? (n.deliveries_mwh ?? 0) : 1);
  const total = rated.reduce((s, n) => s + w(n), 0);
  const rate = rated.reduce((s, n) => s + n.enrr_rate * w(n), 0) / total;
  return Math.round(rate * 100) / 100;
}

/** A number from an open-data property (number or numeric text, decimal point or comma). */
export function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const s = v.trim().replace(',', '.');
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : null;
}

const require = createRequire(import.meta.url);
interface Named {
  code: string;
  nom: string;
  region?: string;
}
let names: { depts: Map<string, Named>; regions: Map<string, Named> } | null = null;

/** Official names (@etalab/decoupage-administratif; FCU's file spells three differently, e.g. "Val-D'Oise"). */
export function departementNames(
  code: string,
): Pick<DepartementNetworkProximity, 'departement_nom' | 'region_code' | 'region_nom'> {
  names ??= {
    depts: new Map(
      (require('@etalab/decoupage-administratif/data/departements.json') as Named[]).map((d) => [d.code, d]),
    ),
    regions: new Map(
      (require('@etalab/decoupage-administratif/data/regions.json') as Named[]).map((r) => [r.code, r]),
    ),
  };
  const d = names.depts.get(code);
  const region = d?.region ? names.regions.get(d.region) : undefined;
  return { departement_nom: d?.nom ?? null, region_code: d?.region ?? null, region_nom: region?.nom ?? null };
}

// ---------------------------------------------------------------------------------------------
// Queries

/** The départements whose footprints are imported. */
async function departementsPresent(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ dept: string }>(
    `SELECT DISTINCT code_departement_insee AS dept FROM batid.source_version
      WHERE table_name = 'batiment_construction' ORDER BY 1`,
  );
  return rows.map((r) => r.dept);
}

interface CountRow {
  kind: HeatingKind;
  [band: `b${number}` | `l${number}`]: number;
}

/** The counts of one département: one query on its partitions, every band at once. */
async function countsOf(db: Queryable, dept: string): Promise<Record<BandKey, ProximityBand>> {
  const kind = heatingKindSql('dp.type_installation_chauffage', 'dp.type_energie_chauffage');
  const bands = PROXIMITY_BANDS_M.map(
    (m) => `count(*) FILTER (WHERE near.d <= ${m})::int AS b${m},
            COALESCE(sum(near.dwellings) FILTER (WHERE near.d <= ${m}), 0)::int AS l${m}`,
  ).join(',\n');
  const rows = await db.query<CountRow>(
    `WITH groups AS (
       SELECT c.code_departement_insee, c.batiment_groupe_id, min(ST_Distance(c.geom_cstr, n.geom)) AS d
         FROM fcu.network n
         JOIN bdnb.batiment_construction c ON ST_DWithin(c.geom_cstr, n.geom, ${MAX_BAND_M})
         JOIN batid.building b ON b.code_departement_insee = c.code_departement_insee
                              AND b.batiment_construction_id = c.batiment_construction_id
                              AND b.status = 'constructed'
        WHERE ${openHeatNetworkSql('n')}
          AND c.code_departement_insee = $1 AND c.fictive_geom_cstr IS NOT TRUE
          AND c.batiment_groupe_id IS NOT NULL
        GROUP BY 1, 2
     ), near AS (
       SELECT g.d, ${kind} AS kind, COALESCE(${DWELLINGS_SQL}, 0) AS dwellings
         FROM groups g
         JOIN bdnb.batiment_groupe_dpe_representatif_logement dp
           ON dp.code_departement_insee = g.code_departement_insee AND dp.batiment_groupe_id = g.batiment_groupe_id
         LEFT JOIN bdnb.batiment_groupe_ffo_bat f
           ON f.code_departement_insee = g.code_departement_insee AND f.batiment_groupe_id = g.batiment_groupe_id
         LEFT JOIN bdnb.batiment_groupe_rnc r
           ON r.code_departement_insee = g.code_departement_insee AND r.batiment_groupe_id = g.batiment_groupe_id
     )
     SELECT near.kind, ${bands}
       FROM near WHERE near.kind IS NOT NULL GROUP BY near.kind`,
    [dept],
  );
  const out = Object.fromEntries(PROXIMITY_BANDS_M.map((m) => [bandKey(m), emptyBand()])) as Record<
    BandKey,
    ProximityBand
  >;
  for (const r of rows) {
    if (!HEATING_KINDS.includes(r.kind)) continue;
    for (const m of PROXIMITY_BANDS_M) {
      const band = out[bandKey(m)];
      band.batiments[r.kind] = r[`b${m}`] ?? 0;
      band.logements[r.kind] = r[`l${m}`] ?? 0;
    }
  }
  for (const band of Object.values(out)) {
    band.nb_batiments = band.batiments.collectif_gaz + band.batiments.collectif_fioul;
    band.nb_logements = band.logements.collectif_gaz + band.logements.collectif_fioul;
  }
  return out;
}

/**
 * Heat networks per département: a network belongs to every département of its `communes_insee`
 * (so one crossing a border counts in both, unlike FCU's file, which gives each network one
 * département); a network that lists no commune belongs to none.
 */
async function networksByDept(db: Queryable): Promise<Map<string, NetworkFigures[]>> {
  const rows = await db.query<{ communes_insee: string[]; enrr_rate: number | null; deliveries: unknown }>(
    `SELECT communes_insee, enrr_rate,
            COALESCE(properties -> 'livraisons_totale_MWh', properties -> 'livraisons') AS deliveries
       FROM fcu.network WHERE layer = 'reseau_de_chaleur'`,
  );
  const byDept = new Map<string, NetworkFigures[]>();
  for (const r of rows) {
    const figures = { enrr_rate: r.enrr_rate, deliveries_mwh: numberOf(r.deliveries) };
    const depts = new Set((r.communes_insee ?? []).map(deptOfCommune).filter((d) => d !== null));
    for (const d of depts) byDept.set(d, [...(byDept.get(d) ?? []), figures]);
  }
  return byDept;
}

/**
 * The proximity counts of one département (given: answered even when it holds nothing, as zeros),
 * or of every département whose buildings are imported, by code.
 */
export async function networkProximity(
  db: Queryable,
  opts: { dept?: string | undefined } = {},
): Promise<DepartementNetworkProximity[]> {
  let depts: string[];
  if (opts.dept !== undefined) {
    const d = normaliseDept(opts.dept);
    if (!d)
      throw new ProximityInputError(`dept: expected a département code such as 03 or 2A, got "${opts.dept}"`);
    depts = [d];
  } else depts = await departementsPresent(db);
  const networks = await networksByDept(db);
  const out: DepartementNetworkProximity[] = [];
  for (const dept of depts) {
    const nets = networks.get(dept) ?? [];
    out.push({
      departement_code: dept,
      ...departementNames(dept),
      nb_reseaux: nets.length,
      taux_enrr: enrrRate(nets),
      ...(await countsOf(db, dept)),
    });
  }
  return out;
}
