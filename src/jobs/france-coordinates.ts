/**
 * WGS84 boxes around metropolitan France with Corsica, and the five overseas départements, with a
 * small margin: [minLon, minLat, maxLon, maxLat].
 */
const FRANCE_BOXES: readonly (readonly [number, number, number, number])[] = [
  [-5.5, 41.2, 10, 51.5], // métropole and Corse
  [-62, 15.8, -60.9, 16.6], // Guadeloupe
  [-61.3, 14.3, -60.7, 15], // Martinique
  [-54.7, 2, -51.5, 6], // Guyane
  [55.1, -21.5, 56, -20.8], // La Réunion
  [44.9, -13.1, 45.4, -12.5], // Mayotte
];

/** True when the WGS84 point falls in France (metropolitan or overseas département). */
export function inFrance(lon: number, lat: number): boolean {
  return FRANCE_BOXES.some(([x0, y0, x1, y1]) => lon >= x0 && lon <= x1 && lat >= y0 && lat <= y1);
}

const DECIMAL = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$/;

/** A decimal number as written in a French or English file ("2.35", "2,35", " -1e3 "), else null. */
export function parseDecimal(text: string): number | null {
  const t = text.trim();
  if (!DECIMAL.test(t)) return null;
  const n = Number(t.replace(',', '.'));
  return Number.isFinite(n) ? n : null;
}
