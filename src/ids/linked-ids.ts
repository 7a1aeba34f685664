import type { Store } from '../store/store.js';
import { inDept } from '../store/dept-statement.js';
import { LOOKUPS, type LinkedId, type Scheme } from './resolve.js';

export interface BuildingIds {
  batid: string;
  status: string;
  code_departement_insee: string;
  /** Every identifier linked to the building, by scheme, each with its source and millésime. */
  ids: Partial<Record<Scheme, LinkedId[]>>;
}

/** A registry row with its lifecycle links and the millésime of each table of its département. */
export interface BuildingHead {
  batid: string;
  status: string;
  dept: string;
  bg: string | null;
  bc: string | null;
  geometry: string | null;
  area: number | null;
  links: { scheme: Scheme; external_id: string; last_millesime: string | null; active: boolean }[];
  versions: Record<string, string | null>;
}

/** $1 BatID. */
export const HEAD_SQL = `SELECT b.batid, b.status, b.code_departement_insee AS dept, b.batiment_groupe_id AS bg,
         b.batiment_construction_id AS bc, ST_AsGeoJSON(ST_Transform(b.geom, 4326), 7) AS geometry,
         round(ST_Area(b.geom)::numeric, 1)::float8 AS area,
         coalesce((SELECT json_agg(json_build_object('scheme', l.scheme, 'external_id', l.external_id,
                                                     'last_millesime', l.last_millesime, 'active', l.active)
                                   ORDER BY l.scheme, l.active DESC, l.external_id)
                     FROM batid.id_link l WHERE l.batid = b.batid), '[]') AS links,
         coalesce((SELECT dv.versions FROM batid.dept_version dv
                    WHERE dv.code_departement_insee = b.code_departement_insee), '{}') AS versions
    FROM batid.building b WHERE b.batid = $1`;

/** The registry row of a BatID, its links and its département's millésimes, in one round trip. */
export async function buildingHead(store: Store, batid: string): Promise<BuildingHead | null> {
  const r = (await store.prepared<BuildingHead>('building_head', HEAD_SQL, [batid]))[0];
  return r ?? null;
}

/** The lookups of LOOKUPS in a fixed order: `k` in LOOKUP_SQL's rows indexes this list. */
export const LOOKUP_LIST = (
  Object.entries(LOOKUPS) as [Scheme, (typeof LOOKUPS)[keyof typeof LOOKUPS]][]
).flatMap(([scheme, lookups]) => lookups.map((l) => ({ scheme, ...l })));

/**
 * The branch of lookup k: $1 département, $2 group id, $3 footprint id → (k, value). With
 * `everyGroup` (a lookup read by group), for every group of the département at once: (bg, k, value).
 */
export function lookupBranch(k: number, everyGroup = false): string {
  const l = LOOKUP_LIST[k]!;
  const col = l.via === 'bg' ? 'batiment_groupe_id' : 'batiment_construction_id';
  const key = everyGroup ? '' : ` AND x."${col}" = ${l.via === 'bg' ? '$2' : '$3'}`;
  return `SELECT DISTINCT ${everyGroup ? `x."${col}" AS bg, ` : ''}${k} AS k, x."${l.column}"::text AS v FROM bdnb."${l.table}" x
     WHERE x.code_departement_insee = $1${key} AND x."${l.column}" IS NOT NULL`;
}

const LOOKUP_SQL = `SELECT k, v FROM (${LOOKUP_LIST.map((_, k) => lookupBranch(k)).join('\nUNION ALL\n')}) u ORDER BY k, v`;

/**
 * The identifiers of a building: its lifecycle links (BatID, BDNB ids, RNB) from the registry,
 * then — for a standing building — the keys its current group and footprint carry in the BDNB
 * tables (`lookups`: rows of (k, v) over LOOKUP_LIST).
 */
export function idsOf(head: BuildingHead, lookups: readonly { k: number; v: string }[]): BuildingIds['ids'] {
  const ids: BuildingIds['ids'] = { batid: [{ id: head.batid, source: 'batid.building', millesime: null }] };
  for (const l of head.links)
    (ids[l.scheme] ??= []).push({
      id: l.external_id,
      source: 'batid.id_link',
      millesime: l.last_millesime,
      active: l.active,
    });
  for (const r of lookups) {
    const { scheme, table } = LOOKUP_LIST[r.k]!;
    // BD TOPO: the old BDNB footprint ids are the BD TOPO cleabs plus a suffix
    const v = scheme === 'bdtopo' ? /^(BATIMENT\d{16})-\d+$/.exec(r.v)?.[1] : r.v;
    if (!v) continue;
    const list = (ids[scheme] ??= []);
    if (!list.some((x) => x.id === v))
      list.push({ id: v, source: `bdnb.${table}`, millesime: head.versions[table] ?? null });
  }
  return ids;
}

/** BatID → every key (the other direction of `resolve`). Null when the BatID is unknown. */
export async function linkedIds(store: Store, batid: string): Promise<BuildingIds | null> {
  const head = await buildingHead(store, batid);
  if (!head) return null;
  // Live links go through the building's current group and footprint: a demolished or retired
  // building has none (its past ids stay in id_link).
  const lookups =
    head.status === 'constructed'
      ? await store.prepared<{ k: number; v: string }>(
          ...inDept('building_lookups', LOOKUP_SQL, [head.dept, head.bg, head.bc]),
        )
      : [];
  return {
    batid: head.batid,
    status: head.status,
    code_departement_insee: head.dept,
    ids: idsOf(head, lookups),
  };
}
