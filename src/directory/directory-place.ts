import { lambert93ToWgs84, lonLatToLambert93 } from '../geo/crs.js';
import { deptOfCommune } from '../ingest/dept.js';
import type { Store } from '../store/store.js';
import { DirectoryQueryError } from './directory-query-error.js';

/**
 * A place the directory is searched for: the communes and départements it lies in (for the
 * professionals' commune and département lists) and a Lambert-93 point (for their radius and for
 * sorting by distance), each possibly unknown.
 */
export interface DirectoryPlace {
  communes: string[];
  departements: string[];
  /** Lambert-93 metres. */
  x: number | null;
  y: number | null;
  /** How the place was found. */
  resolvedBy: 'commune' | 'postcode' | 'postcode_prefix' | 'point' | 'building';
}

/** The commune of a point: the nearest address's, within this distance (m). */
export const POINT_COMMUNE_MAX_M = 2000;

/** The départements a postcode's addresses may be in (Corsica's 20xxx: 2A or 2B). */
export function deptsOfPostcode(cp: string): string[] {
  if (cp.startsWith('20')) return ['2A', '2B'];
  if (cp.startsWith('97')) return [cp.slice(0, 3)];
  return [cp.slice(0, 2)];
}

const round = (v: number) => Math.round(v * 1e7) / 1e7;

/** The place's point in WGS84, for answers. */
export function placeLonLat(p: DirectoryPlace): { lon: number; lat: number } | null {
  if (p.x === null || p.y === null) return null;
  const [lon, lat] = lambert93ToWgs84(p.x, p.y);
  return { lon: round(lon), lat: round(lat) };
}

/**
 * The centre of the addresses (BDNB and BAN) matching `where` in the given départements, and the
 * communes they are in.
 */
async function addressCentre(
  store: Store,
  depts: string[],
  where: { bdnb: string; ban: string },
  value: string,
): Promise<{ communes: string[]; x: number | null; y: number | null }> {
  const [r] = await store.query<{ communes: string[] | null; x: number | null; y: number | null }>(
    `WITH a AS (
       SELECT code_commune_insee AS c, geom_adresse AS g FROM bdnb.adresse
        WHERE code_departement_insee = ANY($1::text[]) AND ${where.bdnb} = $2 AND geom_adresse IS NOT NULL
       UNION ALL
       SELECT code_insee, geom FROM ban.adresse
        WHERE code_departement_insee = ANY($1::text[]) AND ${where.ban} = $2)
     SELECT array_agg(DISTINCT c) FILTER (WHERE c IS NOT NULL) AS communes,
            ST_X(ST_Centroid(ST_Collect(g))) AS x, ST_Y(ST_Centroid(ST_Collect(g))) AS y
       FROM a`,
    [depts, value],
  );
  return { communes: (r?.communes ?? []).sort(), x: r?.x ?? null, y: r?.y ?? null };
}

/** A commune (INSEE code): its département, and the centre of its addresses when any are loaded. */
export async function placeOfCommune(store: Store, insee: string): Promise<DirectoryPlace> {
  const dept = deptOfCommune(insee)!;
  const c = await addressCentre(store, [dept], { bdnb: 'code_commune_insee', ban: 'code_insee' }, insee);
  return { communes: [insee], departements: [dept], x: c.x, y: c.y, resolvedBy: 'commune' };
}

/**
 * A postcode: the communes of the loaded addresses that carry it, and their centre. A postcode no
 * loaded address carries stands for its département (first digits) only.
 */
export async function placeOfPostcode(store: Store, cp: string): Promise<DirectoryPlace> {
  const c = await addressCentre(store, deptsOfPostcode(cp), { bdnb: 'code_postal', ban: 'code_postal' }, cp);
  if (!c.communes.length)
    return {
      communes: [],
      departements: deptsOfPostcode(cp),
      x: null,
      y: null,
      resolvedBy: 'postcode_prefix',
    };
  const departements = [...new Set(c.communes.map((k) => deptOfCommune(k)!))].sort();
  return { communes: c.communes, departements, x: c.x, y: c.y, resolvedBy: 'postcode' };
}

/** The commune of the nearest loaded address within POINT_COMMUNE_MAX_M of a Lambert-93 point. */
async function communeNear(store: Store, x: number, y: number): Promise<string | null> {
  const [r] = await store.query<{ c: string }>(
    `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 2154) AS g)
     SELECT c FROM (
       (SELECT a.code_commune_insee AS c, a.geom_adresse <-> p.g AS d FROM bdnb.adresse a, p
         WHERE a.code_commune_insee IS NOT NULL AND ST_DWithin(a.geom_adresse, p.g, $3)
         ORDER BY a.geom_adresse <-> p.g LIMIT 1)
       UNION ALL
       (SELECT b.code_insee, b.geom <-> p.g FROM ban.adresse b, p
         WHERE ST_DWithin(b.geom, p.g, $3) ORDER BY b.geom <-> p.g LIMIT 1)) n
     ORDER BY d LIMIT 1`,
    [x, y, POINT_COMMUNE_MAX_M],
  );
  return r?.c ?? null;
}

/** A WGS84 point, with the commune of its nearest address (within 2 km) when there is one. */
export async function placeOfPoint(store: Store, lon: number, lat: number): Promise<DirectoryPlace> {
  const [x, y] = lonLatToLambert93(lon, lat);
  const c = await communeNear(store, x, y);
  return {
    communes: c ? [c] : [],
    departements: c ? [deptOfCommune(c)!] : [],
    x,
    y,
    resolvedBy: 'point',
  };
}

/**
 * A building: its commune (BDNB group, else the nearest address's) and a point of its footprint.
 * Null when the BatID is unknown.
 */
export async function placeOfBuilding(store: Store, batid: string): Promise<DirectoryPlace | null> {
  const [b] = await store.query<{ commune: string | null; x: number | null; y: number | null }>(
    `SELECT g.code_commune_insee AS commune,
            ST_X(ST_PointOnSurface(b.geom)) AS x, ST_Y(ST_PointOnSurface(b.geom)) AS y
       FROM batid.building b
       LEFT JOIN bdnb.batiment_groupe g
         ON g.code_departement_insee = b.code_departement_insee AND g.batiment_groupe_id = b.batiment_groupe_id
      WHERE b.batid = $1`,
    [batid],
  );
  if (!b) return null;
  const commune = b.commune ?? (b.x !== null && b.y !== null ? await communeNear(store, b.x, b.y) : null);
  return {
    communes: commune ? [commune] : [],
    departements: commune ? [deptOfCommune(commune)!] : [],
    x: b.x,
    y: b.y,
    resolvedBy: 'building',
  };
}

export interface PlaceQuery {
  postcode?: string;
  commune?: string;
  lon?: number;
  lat?: number;
}

/** The place of a search: exactly one of postcode, commune, or lon with lat. */
export async function placeOfQuery(store: Store, q: PlaceQuery): Promise<DirectoryPlace> {
  const given = [
    q.postcode !== undefined,
    q.commune !== undefined,
    q.lon !== undefined || q.lat !== undefined,
  ];
  if (given.filter(Boolean).length !== 1)
    throw new DirectoryQueryError(
      'invalid_place',
      'give exactly one place: postcode=, commune= (INSEE code), or lon= and lat=',
    );
  if (q.postcode !== undefined) return placeOfPostcode(store, q.postcode);
  if (q.commune !== undefined) {
    if (!deptOfCommune(q.commune))
      throw new DirectoryQueryError('invalid_place', `commune: expected an INSEE code, got "${q.commune}"`);
    return placeOfCommune(store, q.commune.toUpperCase());
  }
  if (q.lon === undefined || q.lat === undefined)
    throw new DirectoryQueryError('invalid_place', 'lon and lat go together');
  return placeOfPoint(store, q.lon, q.lat);
}
