/**
 * Planar geometry in projected metres (Lambert-93): distances between points, segments and
 * polygons, point in polygon. Pure functions on flat coordinate arrays ([x0, y0, x1, y1, …]),
 * the layout of src/geo/wkt.ts.
 */
import type { Geom } from './wkt.js';

/** Distance from (px, py) to the segment (ax, ay)–(bx, by). */
export function pointSegmentDistance(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/** True when the two closed segments share a point. */
export function segmentsIntersect(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number,
  dx: number,
  dy: number,
): boolean {
  const d1 = orient(cx, cy, dx, dy, ax, ay);
  const d2 = orient(cx, cy, dx, dy, bx, by);
  const d3 = orient(ax, ay, bx, by, cx, cy);
  const d4 = orient(ax, ay, bx, by, dx, dy);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  const on = (px: number, py: number, qx: number, qy: number, rx: number, ry: number) =>
    Math.min(px, qx) <= rx && rx <= Math.max(px, qx) && Math.min(py, qy) <= ry && ry <= Math.max(py, qy);
  return (
    (d1 === 0 && on(cx, cy, dx, dy, ax, ay)) ||
    (d2 === 0 && on(cx, cy, dx, dy, bx, by)) ||
    (d3 === 0 && on(ax, ay, bx, by, cx, cy)) ||
    (d4 === 0 && on(ax, ay, bx, by, dx, dy))
  );
}

/** Distance between two segments (0 when they cross or touch). */
export function segmentSegmentDistance(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number,
  dx: number,
  dy: number,
): number {
  if (segmentsIntersect(ax, ay, bx, by, cx, cy, dx, dy)) return 0;
  return Math.min(
    pointSegmentDistance(ax, ay, cx, cy, dx, dy),
    pointSegmentDistance(bx, by, cx, cy, dx, dy),
    pointSegmentDistance(cx, cy, ax, ay, bx, by),
    pointSegmentDistance(dx, dy, ax, ay, bx, by),
  );
}

/** Even-odd test of a point against the rings of one polygon (exterior and holes). */
export function pointInRings(x: number, y: number, rings: readonly number[][]): boolean {
  let inside = false;
  for (const r of rings) {
    for (let i = 0, j = r.length - 2; i < r.length; j = i, i += 2) {
      const xi = r[i]!;
      const yi = r[i + 1]!;
      const xj = r[j]!;
      const yj = r[j + 1]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** The polygons of a POLYGON or MULTIPOLYGON, each as its rings; [] for other kinds. */
export function polygonsOf(g: Geom): number[][][] {
  if (g.kind === 'POLYGON') return [g.parts[0]!];
  if (g.kind === 'MULTIPOLYGON') return g.parts;
  return [];
}

/** True when the point is inside (or on the edge of) the (multi)polygon. */
export function pointInPolygon(x: number, y: number, g: Geom): boolean {
  return polygonsOf(g).some((rings) => pointInRings(x, y, rings));
}

/** Every segment of a geometry's paths, rings included, as [ax, ay, bx, by]; a lone point is a zero-length segment. */
export function eachSegment(g: Geom, fn: (ax: number, ay: number, bx: number, by: number) => void): void {
  for (const part of g.parts)
    for (const p of part) {
      if (p.length === 2) fn(p[0]!, p[1]!, p[0]!, p[1]!);
      for (let i = 0; i + 3 < p.length; i += 2) fn(p[i]!, p[i + 1]!, p[i + 2]!, p[i + 3]!);
    }
}

/** True when two (multi)polygons share a point: an edge crosses, or one holds a vertex of the other. */
export function polygonsIntersect(a: Geom, b: Geom): boolean {
  const first = (g: Geom): [number, number] | null => {
    const p = polygonsOf(g)[0]?.[0];
    return p && p.length >= 2 ? [p[0]!, p[1]!] : null;
  };
  const pa = first(a);
  const pb = first(b);
  if (pa && pointInPolygon(pa[0], pa[1], b)) return true;
  if (pb && pointInPolygon(pb[0], pb[1], a)) return true;
  let hit = false;
  eachSegment(a, (ax, ay, bx, by) => {
    if (hit) return;
    eachSegment(b, (cx, cy, dx, dy) => {
      if (!hit && segmentsIntersect(ax, ay, bx, by, cx, cy, dx, dy)) hit = true;
    });
  });
  return hit;
}
