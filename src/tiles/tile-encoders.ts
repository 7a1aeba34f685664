/**
 * The two ways a tile is made from a layer's query (tile-layers.ts), one per backend:
 * - PostgreSQL: ST_AsMVT, the tile built in the database. Polygons stored in Web Mercator
 *   (buildings) that lie inside the tile and its buffer are only scaled to the tile's grid and
 *   snapped (ST_Affine, ST_SnapToGrid, the MVT winding): ST_AsMVTGeom, whose polygon clipping and
 *   validation (wagyu) cost ~7 µs a footprint, only for those that cross the buffer's edge;
 * - embedded (PGlite's PostGIS is compiled without protobuf-c: no ST_AsMVT): the features read
 *   through COPY. The buildings (one stored JSON text each: properties, coordinates in Web
 *   Mercator) are scaled and snapped by tile-polygon.ts and written by mvt-writer.ts; the other layers (properties as JSON, geometry
 *   as GeoJSON in Lambert-93) are projected to WGS84 by proj4, cut by geojson-vt, written by vt-pbf.
 * Both write Mapbox Vector Tile v2, extent 4096, one layer named like the route's layer.
 */
import GeoJSONVT from 'geojson-vt';
import { fromGeojsonVt } from 'vt-pbf';
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import { lambert93ToWgs84 } from '../geo/crs.js';
import type { Queryable, Store } from '../store/store.js';
import { BUFFER, EXTENT, type TileId, type TileLayer } from './tile-coords.js';
import type { LayerSpec } from './tile-layers.js';
import { writeMvtLayer, type MvtPolygonFeature } from './mvt-writer.js';
import { tileGrid, toTilePolygon, type MultiPolygonCoords } from './tile-polygon.js';

/** $1..$9 of a layer query (tile-layers.ts). */
export type LayerParams = [number, number, number, number, string, number, number, number, number];

const quoted = (p: string) => `"${p}"`;

/** The tile's grid in SQL: x = (X − x0)·s, y = (y1 − Y)·s. */
const GRID_SQL = `(SELECT ST_XMin(e) AS x0, ST_YMax(e) AS y1, ${EXTENT} / (ST_XMax(e) - ST_XMin(e)) AS s
                     FROM ST_TileEnvelope($7::int, $8::int, $9::int) e) g`;

/** A layer's geometry in tile coordinates (NULL or empty: not in the tile). */
function tileGeometrySql(spec: LayerSpec): string {
  const mvtGeom = (g: string) =>
    `ST_AsMVTGeom(${g}, ST_TileEnvelope($7::int, $8::int, $9::int), ${EXTENT}, ${BUFFER}, true)`;
  if (!spec.mercatorPolygons) return mvtGeom('ST_Transform(f.geom, 3857)');
  return `CASE WHEN f.geom @ ST_TileEnvelope($7::int, $8::int, $9::int, margin => ${BUFFER / EXTENT})
               THEN ST_ForcePolygonCCW(ST_SnapToGrid(ST_Affine(f.geom, g.s, 0, 0, -g.s, -g.x0 * g.s, g.y1 * g.s), 1))
               ELSE ${mvtGeom('f.geom')} END`;
}

/** PostGIS builds the tile; an empty one comes back as 0 bytes. */
export async function encodeWithPostgis(
  store: Store,
  name: TileLayer,
  spec: LayerSpec,
  params: LayerParams,
): Promise<Uint8Array> {
  const cols = spec.properties.map((p) => `f.${quoted(p)}`).join(', ');
  // OFFSET 0: each geometry computed once (else the filter on it computes it a second time)
  const sql = `WITH params AS (SELECT $1::float8, $2::float8, $3::float8, $4::float8, $5::text, $6::float8,
                                      $7::int, $8::int, $9::int),
     f AS (${spec.sql}),
     m AS (SELECT ${cols}, ${tileGeometrySql(spec)} AS geom FROM f, ${GRID_SQL} OFFSET 0)
     SELECT ST_AsMVT(m.*, '${name}', ${EXTENT}, 'geom') AS mvt FROM m
      WHERE ${spec.mercatorPolygons ? 'ST_Area(m.geom) > 0' : 'm.geom IS NOT NULL'}`;
  // A tile is a few thousand rows at most. JIT compiling cost 60–80 ms on a dense one (the
  // planner sees PostGIS's high function costs); parallel workers cost more to start than they
  // save, and their partial tiles are merged with repeated keys and values (PostGIS #4310).
  const [row] = await store.transaction(async (tx: Queryable) => {
    await tx.exec('SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0');
    return tx.query<{ mvt: Uint8Array | null }>(sql, params);
  });
  return row?.mvt ?? new Uint8Array(0);
}

/**
 * Polygons stored in Web Mercator (tile-layers.ts `mercatorPolygons`): each read through COPY as
 * one JSON text (properties, coordinates), snapped to the tile (tile-polygon.ts) and written
 * (mvt-writer.ts).
 */
async function encodeMercatorPolygons(
  store: Store,
  name: TileLayer,
  spec: LayerSpec,
  params: LayerParams,
): Promise<Uint8Array> {
  const rows = await store.copyOut<[string]>(`SELECT f.feature FROM (${spec.sql}) f`, params);
  const grid = tileGrid({ z: params[6], x: params[7], y: params[8] });
  const features: MvtPolygonFeature[] = [];
  for (const [text] of rows) {
    const [properties, coords] = JSON.parse(text) as [MvtPolygonFeature['properties'], MultiPolygonCoords];
    const rings = toTilePolygon(coords, grid);
    if (rings.length) features.push({ rings, properties });
  }
  return writeMvtLayer(name, EXTENT, features);
}

function toWgs84(c: unknown): void {
  const a = c as Position[] | Position;
  if (typeof a[0] === 'number') {
    const p = a as Position;
    const [lon, lat] = lambert93ToWgs84(p[0]!, p[1]!);
    p[0] = lon;
    p[1] = lat;
    p.length = 2;
  } else for (const x of a as Position[]) toWgs84(x);
}

/** The features of the tile from the database, in WGS84. */
export async function readFeatures(store: Store, spec: LayerSpec, params: LayerParams): Promise<Feature[]> {
  const cols =
    `json_strip_nulls(json_build_object(${spec.properties.map((p) => `'${p}', f.${quoted(p)}`).join(', ')}))::text, ` +
    'ST_AsGeoJSON(f.geom, 1)';
  const rows = await store.copyOut<[string, string]>(
    `SELECT ${cols}
       FROM (${spec.sql}) f WHERE f.geom IS NOT NULL AND NOT ST_IsEmpty(f.geom)`,
    params,
  );
  return rows.map(([p, g]) => {
    const geometry = JSON.parse(g) as Geometry & { coordinates?: unknown; geometries?: Geometry[] };
    if (geometry.type === 'GeometryCollection')
      for (const x of geometry.geometries ?? []) toWgs84((x as { coordinates: unknown }).coordinates);
    else toWgs84(geometry.coordinates);
    return { type: 'Feature', properties: JSON.parse(p) as Record<string, unknown>, geometry };
  });
}

/** geojson-vt cuts the features to the tile (clip, simplify, tile coordinates), vt-pbf writes it. */
export function encodeFeatures(name: TileLayer, t: TileId, features: Feature[]): Uint8Array {
  if (!features.length) return new Uint8Array(0);
  const fc: FeatureCollection = { type: 'FeatureCollection', features };
  const index = new GeoJSONVT(fc, {
    maxZoom: t.z,
    indexMaxZoom: 0,
    extent: EXTENT,
    buffer: BUFFER,
    tolerance: 3,
  });
  const tile = index.getTile(t.z, t.x, t.y);
  if (!tile || !tile.features.length) return new Uint8Array(0);
  return fromGeojsonVt({ [name]: tile }, { version: 2, extent: EXTENT });
}

export async function encodeInJs(
  store: Store,
  name: TileLayer,
  spec: LayerSpec,
  params: LayerParams,
): Promise<Uint8Array> {
  if (spec.mercatorPolygons) return encodeMercatorPolygons(store, name, spec, params);
  const t: TileId = { z: params[6], x: params[7], y: params[8] };
  return encodeFeatures(name, t, await readFeatures(store, spec, params));
}
