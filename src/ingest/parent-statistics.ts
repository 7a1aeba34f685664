import type { Queryable } from '../store/store.js';

/**
 * Up to this many partitions, a partitioned parent is analysed at each import; past it, only while
 * it has no statistics on the columns yet.
 */
export const PARENT_ANALYZE_MAX_PARTITIONS = 4;

/**
 * Whether to ANALYZE a partitioned parent after an import. An ANALYZE of a parent samples every
 * partition too (PostgreSQL 15 has no `ANALYZE ONLY`): on a database of a few départements that
 * is cheap, on a whole country it would cost each département's import minutes. The statistics
 * kept are ratios (distinct ids per row, nulls) that stay true as départements are added, so a
 * big database analyses its parents once; a server's cron can refresh them.
 */
export function shouldAnalyzeParent(partitions: number, columnsWithStats: number, columns: number): boolean {
  return partitions <= PARENT_ANALYZE_MAX_PARTITIONS || columnsWithStats < columns;
}

/**
 * The parent's own statistics on `columns` (the planner estimates a join of two partitioned tables
 * from them, even when both sides are pruned to one partition; autovacuum never gathers them, and
 * PGlite has no autovacuum), when shouldAnalyzeParent says so. `columns` are quoted identifiers'
 * names, `schema.table` a partitioned table.
 */
export async function analyzeParent(
  db: Queryable,
  schema: string,
  table: string,
  columns: readonly string[],
): Promise<boolean> {
  const qualified = `${schema}."${table}"`;
  const [s] = await db.query<{ parts: number; stats: number }>(
    `SELECT (SELECT count(*)::int FROM pg_inherits WHERE inhparent = $1::regclass) AS parts,
            (SELECT count(DISTINCT attname)::int FROM pg_stats
              WHERE schemaname = $2 AND tablename = $3 AND inherited AND attname = ANY($4::text[])) AS stats`,
    [qualified, schema, table, [...columns]],
  );
  if (!shouldAnalyzeParent(s!.parts, s!.stats, columns.length)) return false;
  await db.exec(`ANALYZE ${qualified} (${columns.map((c) => `"${c}"`).join(', ')})`);
  return true;
}
