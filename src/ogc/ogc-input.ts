/**
 * The query parameters of OGC API Features items (`bbox`, `limit`, `cursor`), parsed into values:
 * pure functions, no database, no HTTP. Coordinates are CRS84 (WGS84 longitude, latitude).
 */
import type { Bbox } from '../buildings/locate.js';

/** A bad parameter: the HTTP layer answers 400 with `invalid_parameter`. */
export class OgcInputError extends Error {}

/** Items per page when `limit` is absent, and the most a page holds (a larger `limit` is lowered to it, as the standard asks). */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

/**
 * Where Lambert-93 (EPSG:2154, metropolitan France) is projected safely, with a wide margin
 * around its area of use (−9.86…10.38° E, 41.15…51.56° N): every stored geometry lies inside,
 * so a bbox is cut to it before it is projected (a world-wide bbox would not project).
 */
export const L93_DOMAIN: Bbox = [-20, 30, 30, 65];

/** `minLon,minLat,maxLon,maxLat` in CRS84: four finite numbers, degrees, min < max on both axes. */
export function parseCrs84Bbox(text: string): Bbox {
  const parts = text.split(',').map((s) => s.trim());
  const n = parts.map(Number);
  if (parts.length === 6 && !parts.some((s) => s === '') && n.every(Number.isFinite))
    throw new OgcInputError(`bbox: expected 4 numbers (CRS84 has no vertical axis), got 6 in "${text}"`);
  if (parts.length !== 4 || parts.some((s) => s === '') || !n.every(Number.isFinite))
    throw new OgcInputError(`bbox: expected 4 numbers minLon,minLat,maxLon,maxLat, got "${text}"`);
  const [minLon, minLat, maxLon, maxLat] = n as [number, number, number, number];
  if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90)
    throw new OgcInputError(
      `bbox: expected longitudes in −180…180 and latitudes in −90…90 (CRS84 lon,lat), got "${text}"`,
    );
  if (!(minLon < maxLon))
    throw new OgcInputError(`bbox: expected minLon < maxLon, got ${minLon} and ${maxLon}`);
  if (!(minLat < maxLat))
    throw new OgcInputError(`bbox: expected minLat < maxLat, got ${minLat} and ${maxLat}`);
  return [minLon, minLat, maxLon, maxLat];
}

/** The part of a bbox inside L93_DOMAIN; null when they do not meet (no feature can match). */
export function clampToL93Domain(b: Bbox): Bbox | null {
  const [x0, y0, x1, y1] = L93_DOMAIN;
  const out: Bbox = [Math.max(b[0], x0), Math.max(b[1], y0), Math.min(b[2], x1), Math.min(b[3], y1)];
  return out[0] < out[2] && out[1] < out[3] ? out : null;
}

/** `limit` as the standard asks: a value above the maximum is lowered to it, not refused. */
export const clampLimit = (limit: number | undefined): number => Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT);

/**
 * A page boundary: the items after (`>`) or before (`<`) a feature id, in id order. Opaque to
 * clients (base64url of `a:` or `b:` and the id): keyset paging, so a page costs the same at
 * any depth and an import between two pages neither repeats nor skips the features that stay.
 */
export interface Cursor {
  dir: 'after' | 'before';
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.dir === 'after' ? 'a' : 'b'}:${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const raw = Buffer.from(text, 'base64url').toString('utf8');
  const m = /^([ab]):(.+)$/s.exec(raw);
  // re-encoding must give the cursor back: Node's base64 decoder skips what it cannot read
  if (!m || Buffer.from(raw, 'utf8').toString('base64url') !== text)
    throw new OgcInputError('cursor: expected the cursor of a next or prev link of a previous page');
  return { dir: m[1] === 'a' ? 'after' : 'before', id: m[2]! };
}
