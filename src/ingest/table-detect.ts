import type { TableDef } from './catalog/types.js';

/** `adresses_bdnb_7` → `adresse`: the longest known table name the file name starts with. */
export function tableFromFileName(fileBase: string, tables: readonly TableDef[]): TableDef | null {
  const base = fileBase.toLowerCase().replace(/\.(csv|tsv|txt)$/, '');
  let best: TableDef | null = null;
  for (const t of tables) {
    if (
      base === t.name ||
      base.startsWith(`${t.name}_`) ||
      base.startsWith(`${t.name}s_`) ||
      base === `${t.name}s`
    ) {
      if (!best || t.name.length > best.name.length) best = t;
    }
  }
  return best;
}

/**
 * Guesses the table of a file whose name says nothing, from its header: the table whose key
 * columns are all present and that shares the most columns with it.
 */
export function tableFromHeader(header: readonly string[], tables: readonly TableDef[]): TableDef | null {
  const cols = new Set(header.map((h) => h.trim().toLowerCase()));
  const hasGeom = [...cols].some(isGeometryHeader);
  let best: TableDef | null = null;
  let bestScore = 0;
  for (const t of tables) {
    if (!t.key.length || !t.key.every((k) => cols.has(k))) continue;
    const tableGeom = t.columns.some((c) => c.type === 'geometry');
    if (hasGeom !== tableGeom) continue;
    const shared = t.columns.filter((c) => cols.has(c.name)).length + (hasGeom ? 1 : 0);
    // most of the file's columns must be the table's: a file that merely names a group id is not it
    if (shared * 2 < cols.size) continue;
    const score = shared / Math.max(t.columns.length, cols.size) + t.key.length * 0.01;
    if (score > bestScore) {
      best = t;
      bestScore = score;
    }
  }
  return best;
}

/** `WKT`, `geom`, `geom_*` (but not the WGS84 point columns): a geometry in the export layout. */
export function isGeometryHeader(name: string): boolean {
  const n = name.trim().toLowerCase();
  return n === 'wkt' || (/^geom/.test(n) && !/wgs84/.test(n));
}
