export type BBox = [number, number, number, number];

/** Bounding box of any GeoJSON geometry (walks the nested coordinate arrays). */
export function bboxOf(geom: { type: string; coordinates: unknown }): BBox | null {
  const box: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      box[0] = Math.min(box[0], c[0]);
      box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]);
      box[3] = Math.max(box[3], c[1]);
    } else for (const x of c) walk(x);
  };
  walk(geom.coordinates);
  return Number.isFinite(box[0]) ? box : null;
}
