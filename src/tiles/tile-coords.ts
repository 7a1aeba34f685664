/**
 * Web Mercator XYZ tile math, pure: a tile's bounds in WGS84 and in Lambert-93 (the storage CRS,
 * for the bbox filter on the GiST indexes), the tile of a point, and the check of z/x/y.
 */
import { lonLatToLambert93 } from '../geo/crs.js';

export const TILE_LAYERS = ['buildings', 'networks', 'addresses', 'communes'] as const;
export type TileLayer = (typeof TILE_LAYERS)[number];

export const MAX_ZOOM = 22;
/** MVT extent (units per tile side) and the buffer around the tile, in those units. */
export const EXTENT = 4096;
export const BUFFER = 64;
/** Half the Web Mercator world width, in metres. */
const HALF_WORLD_M = 20037508.342789244;

export interface TileId {
  z: number;
  x: number;
  y: number;
}

/** A bad z/x/y, with the message the HTTP layer answers with (400). */
export class TileInputError extends Error {}

/** Checks z (0…22) and x, y (0 … 2^z − 1); throws TileInputError saying what was expected. */
export function checkTile(t: TileId): TileId {
  const { z, x, y } = t;
  if (!Number.isInteger(z) || z < 0 || z > MAX_ZOOM)
    throw new TileInputError(`z: expected an integer in 0..${MAX_ZOOM}, got ${z}`);
  const n = 2 ** z;
  for (const [k, v] of [
    ['x', x],
    ['y', y],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v >= n)
      throw new TileInputError(`${k}: expected an integer in 0..${n - 1} at zoom ${z}, got ${v}`);
  return t;
}

const lonOf = (x: number, z: number) => (x / 2 ** z) * 360 - 180;
const latOf = (y: number, z: number) =>
  (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / 2 ** z))) * 180) / Math.PI;

/** [west, south, east, north] of a tile in WGS84 degrees. */
export function tileBoundsWgs84({ z, x, y }: TileId): [number, number, number, number] {
  return [lonOf(x, z), latOf(y + 1, z), lonOf(x + 1, z), latOf(y, z)];
}

/** The tile's side in Web Mercator metres (the simplification tolerances are fractions of it). */
export const tileSizeM = (z: number) => (2 * HALF_WORLD_M) / 2 ** z;

/** The tile holding a WGS84 point at zoom z. */
export function tileOf(lon: number, lat: number, z: number): TileId {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  const x = Math.floor(((lon + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return { z, x: Math.min(n - 1, Math.max(0, x)), y: Math.min(n - 1, Math.max(0, y)) };
}

/**
 * Where Lambert-93 means something (metropolitan France and well around it): the tile is
 * clipped to this before projection, so a world tile does not project the poles.
 */
const L93_DOMAIN_WGS84 = [-12, 38, 16, 54] as const;

/**
 * The tile (with its buffer) as a Lambert-93 box [xmin, ymin, xmax, ymax], its edges densified
 * before projection (a Mercator tile is not a rectangle in Lambert-93); null when the tile lies
 * outside the domain of the storage CRS (nothing stored can be in it).
 */
export function tileBboxL93(t: TileId): [number, number, number, number] | null {
  const [w0, s0, e0, n0] = tileBoundsWgs84(t);
  const padLon = ((e0 - w0) * BUFFER) / EXTENT;
  const padLat = ((n0 - s0) * BUFFER) / EXTENT;
  const w = Math.max(w0 - padLon, L93_DOMAIN_WGS84[0]);
  const s = Math.max(s0 - padLat, L93_DOMAIN_WGS84[1]);
  const e = Math.min(e0 + padLon, L93_DOMAIN_WGS84[2]);
  const n = Math.min(n0 + padLat, L93_DOMAIN_WGS84[3]);
  if (w >= e || s >= n) return null;
  const steps = 8;
  let [xmin, ymin, xmax, ymax] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i <= steps; i++) {
    const f = i / steps;
    for (const [lon, lat] of [
      [w + (e - w) * f, s],
      [w + (e - w) * f, n],
      [w, s + (n - s) * f],
      [e, s + (n - s) * f],
    ] as const) {
      const [px, py] = lonLatToLambert93(lon, lat);
      xmin = Math.min(xmin, px);
      ymin = Math.min(ymin, py);
      xmax = Math.max(xmax, px);
      ymax = Math.max(ymax, py);
    }
  }
  return [xmin, ymin, xmax, ymax];
}

export const bboxesIntersect = (a: readonly number[], b: readonly number[]) =>
  a[0]! <= b[2]! && b[0]! <= a[2]! && a[1]! <= b[3]! && b[1]! <= a[3]!;

/** [xmin, ymin, xmax, ymax] of a tile in Web Mercator metres (EPSG:3857, as ST_TileEnvelope). */
export function tileBoundsMercator({ z, x, y }: TileId): [number, number, number, number] {
  const size = tileSizeM(z);
  return [
    -HALF_WORLD_M + x * size,
    HALF_WORLD_M - (y + 1) * size,
    -HALF_WORLD_M + (x + 1) * size,
    HALF_WORLD_M - y * size,
  ];
}
