/**
 * A footprint in EPSG:3857 to tile coordinates (pure), as ST_AsMVTGeom makes it on PostgreSQL:
 * scaled to the tile's 4096 grid (y down) and snapped to it, repeated points and rings that
 * collapse (under three points, or no area) dropped, clipped to the tile and its buffer only when
 * it crosses them, exterior rings with a positive area and holes with a negative one (the
 * winding MVT v2 asks for).
 */
import { BUFFER, EXTENT, tileBoundsMercator, type TileId } from './tile-coords.js';

/** GeoJSON MultiPolygon coordinates: polygons → rings → [x, y] (ring closed). */
export type MultiPolygonCoords = number[][][][];

/** Where the tile's 4096 grid lies in EPSG:3857: x = (X − x0)·scale, y = (y1 − Y)·scale. */
export interface TileGrid {
  x0: number;
  y1: number;
  scale: number;
}

export function tileGrid(t: TileId): TileGrid {
  const [x0, , x1, y1] = tileBoundsMercator(t);
  return { x0, y1, scale: EXTENT / (x1 - x0) };
}

const LO = -BUFFER;
const HI = EXTENT + BUFFER;

/** One side of the Sutherland–Hodgman clip: keeps the part of a closed flat ring where `inside`. */
function clipSide(ring: number[], axis: 0 | 1, bound: number, keepBelow: boolean): number[] {
  const out: number[] = [];
  const n = ring.length;
  if (!n) return out;
  const inside = (i: number) => (keepBelow ? ring[i + axis]! <= bound : ring[i + axis]! >= bound);
  let prev = n - 2;
  let prevIn = inside(prev);
  for (let i = 0; i < n; i += 2) {
    const isIn = inside(i);
    if (isIn !== prevIn) {
      const a = ring[prev + axis]!;
      const f = (bound - a) / (ring[i + axis]! - a);
      const x = ring[prev]! + f * (ring[i]! - ring[prev]!);
      const y = ring[prev + 1]! + f * (ring[i + 1]! - ring[prev + 1]!);
      out.push(axis === 0 ? bound : x, axis === 1 ? bound : y);
    }
    if (isIn) out.push(ring[i]!, ring[i + 1]!);
    prev = i;
    prevIn = isIn;
  }
  return out;
}

const clipRing = (ring: number[]) =>
  clipSide(clipSide(clipSide(clipSide(ring, 0, LO, false), 0, HI, true), 1, LO, false), 1, HI, true);

/** Scaled to the grid, as a flat closed ring (only for the rings that need clipping). */
function scaleRing(ring: number[][], g: TileGrid): number[] {
  const flat = new Array<number>(ring.length * 2);
  for (let i = 0; i < ring.length; i++) {
    flat[2 * i] = (ring[i]![0]! - g.x0) * g.scale;
    flat[2 * i + 1] = (g.y1 - ring[i]![1]!) * g.scale;
  }
  return flat;
}

/** The flat ring snapped to the grid, without repeated points or its closing point; [] when it collapses. */
function snapRing(ring: number[]): number[] {
  const pts: number[] = [];
  for (let i = 0; i < ring.length; i += 2) {
    const x = Math.round(ring[i]!);
    const y = Math.round(ring[i + 1]!);
    const n = pts.length;
    if (n && pts[n - 2] === x && pts[n - 1] === y) continue;
    pts.push(x, y);
  }
  return pts;
}

/** The same, from GeoJSON positions in EPSG:3857 (no intermediate ring). */
function snapPositions(ring: number[][], g: TileGrid): number[] {
  const { x0, y1, scale } = g;
  const pts: number[] = [];
  for (const p of ring) {
    const x = Math.round((p[0]! - x0) * scale);
    const y = Math.round((y1 - p[1]!) * scale);
    const n = pts.length;
    if (n && pts[n - 2] === x && pts[n - 1] === y) continue;
    pts.push(x, y);
  }
  return pts;
}

/** Twice the signed area of a snapped ring, after dropping its closing point(s); 0 when it collapsed. */
function closeAndMeasure(pts: number[]): number {
  while (pts.length >= 4 && pts[0] === pts[pts.length - 2] && pts[1] === pts[pts.length - 1]) pts.length -= 2;
  if (pts.length < 6) return 0;
  let area2 = 0;
  for (let i = 0, j = pts.length - 2; i < pts.length; j = i, i += 2)
    area2 += pts[j]! * pts[i + 1]! - pts[i]! * pts[j + 1]!;
  return area2;
}

function reverseRing(pts: number[]): number[] {
  const out = new Array<number>(pts.length);
  for (let i = 0, j = pts.length - 2; j >= 0; i += 2, j -= 2) {
    out[i] = pts[j]!;
    out[i + 1] = pts[j + 1]!;
  }
  return out;
}

/** Does the footprint (its exterior rings) reach beyond the tile's buffer? */
function crossesBuffer(coords: MultiPolygonCoords, g: TileGrid): boolean {
  const { x0, y1, scale } = g;
  for (const poly of coords)
    for (const p of poly[0] ?? []) {
      const x = (p[0]! - x0) * scale;
      const y = (y1 - p[1]!) * scale;
      if (x < LO || x > HI || y < LO || y > HI) return true;
    }
  return false;
}

/** The footprint's rings in tile coordinates (MvtPolygonFeature.rings); empty when nothing is left. */
export function toTilePolygon(coords: MultiPolygonCoords, g: TileGrid): number[][] {
  const clip = crossesBuffer(coords, g);
  const out: number[][] = [];
  for (const poly of coords) {
    for (let r = 0; r < poly.length; r++) {
      const pts = clip ? snapRing(clipRing(scaleRing(poly[r]!, g))) : snapPositions(poly[r]!, g);
      const area2 = closeAndMeasure(pts);
      if (area2 === 0) {
        if (r === 0) break; // no exterior: no holes either
        continue;
      }
      // exterior: positive area; hole: negative
      out.push((r === 0) === area2 > 0 ? pts : reverseRing(pts));
    }
  }
  return out;
}
