/**
 * The two ways a tile is made from a layer's query (tile-layers.ts), one per backend:
 * - PostgreSQL: ST_AsMVTGeom + ST_AsMVT, the tile built in the database;
 * - embedded (PGlite's PostGIS is compiled without protobuf-c: no ST_AsMVT): the features read
 *   through COPY (properties as JSON, geometry as GeoJSON in Lambert-93), projected to WGS84 by
 *   proj4, cut by geojson-vt and written by vt-pbf.
 * Both write Mapbox Vector Tile v2, extent 4096, one layer named like the route's layer.
 */
import GeoJSONVT from 'geojson-vt';
import { fromGeojsonVt } from 'vt-pbf';
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import { lambert93ToWgs84 } from '../geo/crs.js';
import type { Store } from '../store/store.js';
import { BUFFER, EXTENT, type TileId, type TileLayer } from './tile-coords.js';
import type { LayerSpec } from './tile-layers.js';

/** $1..$6 of a layer query (tile-layers.ts). */
export type LayerParams = [number, number, number, number, string, number];

const quoted = (p: string) => `"${p}"`;

/** PostGIS builds the tile; an empty one comes back as 0 bytes. */
export async function encodeWithPostgis(
  store: Store,
  name: TileLayer,
  spec: LayerSpec,
  t: TileId,
  params: LayerParams,
): Promise<Uint8Array> {
  const cols = spec.properties.map((p) => `f.${quoted(p)}`).join(', ');
  const [row] = await store.query<{ mvt: Uint8Array | null }>(
    // every parameter typed here, whether or not the layer's query uses it
    `WITH params AS (SELECT $1::float8, $2::float8, $3::float8, $4::float8, $5::text, $6::float8),
     f AS (${spec.sql}),
     m AS (SELECT ${cols},
                  ST_AsMVTGeom(ST_Transform(f.geom, 3857), ST_TileEnvelope($7::int, $8::int, $9::int),
                               ${EXTENT}, ${BUFFER}, true) AS geom
             FROM f)
     SELECT ST_AsMVT(m.*, '${name}', ${EXTENT}, 'geom') AS mvt FROM m WHERE m.geom IS NOT NULL`,
    [...params, t.z, t.x, t.y],
  );
  return row?.mvt ?? new Uint8Array(0);
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
  const cols = spec.stored
    ? 'f.props, f.geojson'
    : `json_strip_nulls(json_build_object(${spec.properties.map((p) => `'${p}', f.${quoted(p)}`).join(', ')}))::text, ` +
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
  t: TileId,
  params: LayerParams,
): Promise<Uint8Array> {
  return encodeFeatures(name, t, await readFeatures(store, spec, params));
}
