import { parseBatid } from '../ids/batid.js';
import { deptOfCommune } from '../ingest/dept.js';
import type { Queryable } from '../store/store.js';

/**
 * Buildings by place: the one at a point, the nearest ones, and the listing of a bbox or a
 * commune. Coordinates in and out are WGS84 lon/lat; the work is done in Lambert-93 (metres)
 * on the footprints of bdnb.batiment_construction (GiST on geom_cstr), joined to the registry
 * on (département, id) so every join stays within one partition (one shard).
 */

/** Point → building (domain rule): inside a footprint, else the nearest one if it is ≤ 8 m away… */
export const ISOLATED_MAX_M = 8;
/** …and the second nearest is at least max(10 m, 3 × the first) away, so the choice is clear. */
export const ISOLATED_GAP_MIN_M = 10;
export const ISOLATED_GAP_RATIO = 3;
/** A second building farther than this can never block the nearest one (≤ 8 m): max(10, 3 × 8). */
const AT_SEARCH_M = Math.max(ISOLATED_GAP_MIN_M, ISOLATED_GAP_RATIO * ISOLATED_MAX_M);
/** Footprints looked at around a point for /at: enough for overlapping footprints plus the rule's two. */
const AT_CANDIDATES = 5;

export const CLOSEST_MAX_RADIUS_M = 1000;
export const CLOSEST_MAX_LIMIT = 100;
export const LIST_MAX_LIMIT = 1000;
/** Largest bbox side, in degrees (≈ 55 × 40 km in France): bounds the rows a listing page sorts. */
export const BBOX_MAX_SIDE_DEG = 0.5;

export type MatchReason = 'inside' | 'closest_isolated';

/** A bad listing parameter, with the stable code the HTTP layer answers with (400). */
export class LocateInputError extends Error {
  constructor(
    readonly code: 'invalid_parameter' | 'bbox_too_large' | 'invalid_cursor',
    message: string,
  ) {
    super(message);
  }
}

export interface NearBuilding {
  batid: string;
  /** metres to the footprint, 0 inside; to 0.1 m in answers */
  distance_m: number;
  batiment_construction_id: string | null;
  batiment_groupe_id: string | null;
  code_departement_insee: string;
}

export interface BuildingAtPoint extends NearBuilding {
  match_reason: MatchReason;
}

/**
 * The rule on the nearest footprints (sorted by distance, unrounded): every footprint the point
 * is in (overlaps are rare but exist), else the nearest if it is close and clearly alone, else none.
 */
export function matchPoint(nearest: readonly NearBuilding[]): BuildingAtPoint[] {
  const inside = nearest.filter((b) => b.distance_m === 0);
  if (inside.length) return inside.map((b) => ({ ...b, match_reason: 'inside' }));
  const [first, second] = nearest;
  if (!first || first.distance_m > ISOLATED_MAX_M) return [];
  const gap = Math.max(ISOLATED_GAP_MIN_M, ISOLATED_GAP_RATIO * first.distance_m);
  if (second && second.distance_m < gap) return [];
  return [{ ...first, match_reason: 'closest_isolated' }];
}

/**
 * The query point in Lambert-93, written inline (not in a CTE) so the planner uses the GiST for
 * ST_DWithin. Candidates are then sorted by their exact distance, not by a KNN index scan
 * (`<->`): PostGIS's KNN recheck can fail with "index returned tuples in wrong order" when the
 * box distance and the exact one round differently, which happened here once in a few runs.
 */
const POINT_L93 = 'ST_Transform(ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 4326), 2154)';

/**
 * The constructed buildings whose footprint is within `radiusM` of the point, nearest first (ties
 * by BatID), unrounded. Fictive footprints (BDNB placeholders, not surveyed) are left out: a
 * distance to them means nothing. Lambert-93 distorts lengths by < 0.1 % in metropolitan France,
 * far below what these thresholds resolve.
 */
async function nearestBuildings(
  db: Queryable,
  at: { lon: number; lat: number },
  radiusM: number,
  limit: number,
): Promise<NearBuilding[]> {
  return db.query<NearBuilding>(
    `SELECT b.batid, b.batiment_construction_id, b.batiment_groupe_id, b.code_departement_insee,
            ST_Distance(c.geom_cstr, ${POINT_L93}) AS distance_m
       FROM bdnb.batiment_construction c
       JOIN batid.building b ON b.code_departement_insee = c.code_departement_insee
                            AND b.batiment_construction_id = c.batiment_construction_id
                            AND b.status = 'constructed'
      WHERE ST_DWithin(c.geom_cstr, ${POINT_L93}, $3::float8) AND c.fictive_geom_cstr IS NOT TRUE
      ORDER BY distance_m, b.batid
      LIMIT $4`,
    [at.lon, at.lat, radiusM, limit],
  );
}

const round1 = (m: number) => Math.round(m * 10) / 10;

/** The building(s) at a point by the rule above; empty when no building clearly is. */
export async function buildingsAt(
  db: Queryable,
  at: { lon: number; lat: number },
): Promise<BuildingAtPoint[]> {
  const near = await nearestBuildings(db, at, AT_SEARCH_M, AT_CANDIDATES);
  return matchPoint(near).map((b) => ({ ...b, distance_m: round1(b.distance_m) }));
}

/**
 * buildingsAt for many points at once (bulk tests): Lambert-93 points in, for each the first
 * building the rule keeps (or none), in one query per call.
 */
export async function buildingsAtPoints(
  db: Queryable,
  points: readonly { x: number; y: number }[],
): Promise<(BuildingAtPoint | null)[]> {
  if (!points.length) return [];
  const rows = await db.query<NearBuilding & { i: number }>(
    `SELECT p.i, n.batid, n.batiment_construction_id, n.batiment_groupe_id, n.code_departement_insee, n.distance_m
       FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(x, y, i)
       CROSS JOIN LATERAL (
         SELECT b.batid, b.batiment_construction_id, b.batiment_groupe_id, b.code_departement_insee,
                ST_Distance(c.geom_cstr, ST_SetSRID(ST_MakePoint(p.x, p.y), 2154)) AS distance_m
           FROM bdnb.batiment_construction c
           JOIN batid.building b ON b.code_departement_insee = c.code_departement_insee
                                AND b.batiment_construction_id = c.batiment_construction_id
                                AND b.status = 'constructed'
          WHERE ST_DWithin(c.geom_cstr, ST_SetSRID(ST_MakePoint(p.x, p.y), 2154), $3::float8)
            AND c.fictive_geom_cstr IS NOT TRUE
          ORDER BY distance_m, b.batid
          LIMIT $4) n
      ORDER BY p.i, n.distance_m, n.batid`,
    [points.map((p) => p.x), points.map((p) => p.y), AT_SEARCH_M, AT_CANDIDATES],
  );
  const near: NearBuilding[][] = points.map(() => []);
  for (const { i, ...b } of rows) near[i - 1]!.push(b);
  return near.map((n) => {
    const [first] = matchPoint(n);
    return first ? { ...first, distance_m: round1(first.distance_m) } : null;
  });
}

/** The nearest buildings within `radiusM` (≤ 1000 m), nearest first, distances to 0.1 m (0 inside). */
export async function closestBuildings(
  db: Queryable,
  at: { lon: number; lat: number },
  radiusM: number,
  limit: number,
): Promise<NearBuilding[]> {
  const near = await nearestBuildings(
    db,
    at,
    Math.min(radiusM, CLOSEST_MAX_RADIUS_M),
    Math.min(limit, CLOSEST_MAX_LIMIT),
  );
  return near.map((b) => ({ ...b, distance_m: round1(b.distance_m) }));
}

export type Bbox = readonly [minLon: number, minLat: number, maxLon: number, maxLat: number];

/** `minLon,minLat,maxLon,maxLat` in WGS84, each side ≤ 0.5°. */
export function parseBbox(text: string): Bbox {
  const parts = text.split(',').map((s) => s.trim());
  const n = parts.map(Number);
  if (parts.length !== 4 || parts.some((s) => s === '') || n.some((x) => !Number.isFinite(x)))
    throw new LocateInputError(
      'invalid_parameter',
      `bbox: expected minLon,minLat,maxLon,maxLat, got "${text}"`,
    );
  const [minLon, minLat, maxLon, maxLat] = n as [number, number, number, number];
  if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90)
    throw new LocateInputError('invalid_parameter', `bbox: expected WGS84 lon/lat degrees, got "${text}"`);
  if (!(minLon < maxLon && minLat < maxLat))
    throw new LocateInputError('invalid_parameter', `bbox: expected min < max on both axes, got "${text}"`);
  if (maxLon - minLon > BBOX_MAX_SIDE_DEG || maxLat - minLat > BBOX_MAX_SIDE_DEG)
    throw new LocateInputError(
      'bbox_too_large',
      `bbox: each side at most ${BBOX_MAX_SIDE_DEG}°, got ${round6(maxLon - minLon)}° × ${round6(maxLat - minLat)}°`,
    );
  return [minLon, minLat, maxLon, maxLat];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The opaque cursor of a page: the base64url of its last BatID. */
export function encodeCursor(batid: string): string {
  return Buffer.from(batid, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const p = parseBatid(text);
  // re-encoding must give the cursor back: Node's base64 decoder skips what it cannot read
  if (!p.ok || p.batid !== text || encodeCursor(text) !== cursor)
    throw new LocateInputError('invalid_cursor', 'cursor: expected the next_cursor of a previous page');
  return p.batid;
}

export type ListParams = ({ bbox: Bbox } | { commune: string }) & {
  limit: number;
  /** next_cursor of the previous page */
  cursor?: string | null;
};

export interface ListedBuilding {
  batid: string;
  status: string;
  code_commune_insee: string | null;
  /** a point on the footprint (inside it, unlike a centroid), WGS84 */
  lon: number | null;
  lat: number | null;
}

export interface BuildingPage {
  results: ListedBuilding[];
  next_cursor: string | null;
}

/** Lon/lat of a point surely on the footprint, 7 decimals (≈ 1 cm). */
const LON_LAT = `round(ST_X(ST_Transform(ST_PointOnSurface(b.geom), 4326))::numeric, 7)::float8 AS lon,
                 round(ST_Y(ST_Transform(ST_PointOnSurface(b.geom), 4326))::numeric, 7)::float8 AS lat`;

/**
 * One page of the constructed buildings of a commune (through its building groups) or whose
 * footprint meets a bbox, by BatID. Keyset pagination: a page starts after the cursor's BatID,
 * so pages stay consistent and cost the same however deep, and an import between two pages
 * neither repeats nor skips the buildings that stay.
 */
export async function listBuildings(db: Queryable, params: ListParams): Promise<BuildingPage> {
  const limit = Math.min(Math.max(1, Math.trunc(params.limit)), LIST_MAX_LIMIT);
  const after = params.cursor ? decodeCursor(params.cursor) : '';
  const rows =
    'bbox' in params
      ? await inBbox(db, params.bbox, after, limit + 1)
      : await inCommune(db, params.commune, after, limit + 1);
  const results = rows.slice(0, limit);
  const last = results[results.length - 1];
  return { results, next_cursor: rows.length > limit && last ? encodeCursor(last.batid) : null };
}

async function inCommune(
  db: Queryable,
  commune: string,
  after: string,
  n: number,
): Promise<ListedBuilding[]> {
  const dept = deptOfCommune(commune);
  if (!dept || commune.length !== 5)
    throw new LocateInputError(
      'invalid_parameter',
      `commune: expected an INSEE code such as 03185, got "${commune}"`,
    );
  return db.query<ListedBuilding>(
    `SELECT b.batid, b.status, g.code_commune_insee, ${LON_LAT}
       FROM bdnb.batiment_groupe g
       JOIN batid.building b ON b.code_departement_insee = g.code_departement_insee
                            AND b.batiment_groupe_id = g.batiment_groupe_id
                            AND b.status = 'constructed'
      WHERE g.code_departement_insee = $1 AND g.code_commune_insee = $2 AND b.batid > $3
      ORDER BY b.batid
      LIMIT $4`,
    [dept, commune.toUpperCase(), after, n],
  );
}

/**
 * The bbox is densified (a point every 0.01°) before it is projected: a lon/lat box has curved
 * sides in Lambert-93, and its four projected corners alone would cut them straight.
 */
async function inBbox(db: Queryable, bbox: Bbox, after: string, n: number): Promise<ListedBuilding[]> {
  return db.query<ListedBuilding>(
    `WITH box AS (
       SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, 4326), 0.01), 2154) AS g)
     SELECT b.batid, b.status, c.code_commune_insee, ${LON_LAT}
       FROM box, bdnb.batiment_construction c
       JOIN batid.building b ON b.code_departement_insee = c.code_departement_insee
                            AND b.batiment_construction_id = c.batiment_construction_id
                            AND b.status = 'constructed'
      WHERE c.geom_cstr && box.g AND ST_Intersects(c.geom_cstr, box.g) AND b.batid > $5
      ORDER BY b.batid
      LIMIT $6`,
    [...bbox, after, n],
  );
}
