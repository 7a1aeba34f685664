import { basename } from 'node:path';
import type { Queryable, Store } from '../store/store.js';
import { BDNB_SCHEMA, DEPT_COLUMN, ident63, indexDefs, joinColumns, q, qualified } from './catalog/ddl.js';
import type { TableDef } from './catalog/types.js';
import { CsvFile } from './csv/csv-file.js';
import type { RejectWriter } from './rejects.js';
import { RowMapper } from './row-mapper.js';
import { mapBatch, type MappedBatch } from './map-batch.js';
import { MapPool, mapWorkerCount } from './map-pool.js';
import { analyzeParent } from './parent-statistics.js';
import { swapTransaction } from '../store/swap-transaction.js';

export interface LoadContext {
  store: Store;
  rejects: RejectWriter;
  runId: number;
  millesime: string | null;
  defaultDept: string | null;
  /** Files at least this big are mapped on worker threads (default 4 MB). */
  workerMinBytes?: number | undefined;
  /** Called as bytes are read (for the progress bar). */
  onProgress?: (bytesRead: number, size: number) => void;
}

export interface RefWarning {
  column: string;
  table: string;
  missing: number;
}

export interface TableFileResult {
  table: string;
  file: string;
  imported: number;
  rejected: number;
  duplicates: number;
  warnings: number;
  madeValid: number;
  reprojected: number;
  depts: string[];
  extraColumns: string[];
  refWarnings: RefWarning[];
  encoding: string;
  /** Seconds spent per phase (read+copy, checks, indexes, swap, reference counts). */
  timings: Record<string, number>;
  /** Set when the file could not be read at all (nothing of it was imported). */
  fatal?: string;
}

const COPY_CHUNK = 4 << 20;
/** Below this size a file is mapped on the main thread (starting workers costs more). */
const WORKER_MIN_BYTES = 4 << 20;

/** Staging table of one file, and the per-département tables cut from it. */
export const stagingName = (table: string) => ident63(`${table}__load`);
const newPartName = (table: string, dept: string) => ident63(`${table}_${dept.toLowerCase()}__new`);
export const partitionName = (table: string, dept: string) => ident63(`${table}_${dept.toLowerCase()}`);

/** Drops the staging tables an interrupted import left behind. */
export async function dropLeftovers(store: Store): Promise<void> {
  const rows = await store.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND (tablename LIKE '%\\_\\_load' OR tablename LIKE '%\\_\\_new')`,
    [BDNB_SCHEMA],
  );
  for (const r of rows) await store.exec(`DROP TABLE IF EXISTS ${qualified(r.name)}`);
}

export interface StagedFile {
  /** Checks, indexes and swaps the staged rows in; gives the file's result. */
  finish(): Promise<TableFileResult>;
}

/**
 * Loads one CSV file into its table in two halves. This one streams the file into a staging
 * table; `finish` (database work only, so an import can stage the next file meanwhile) checks
 * it, indexes it and swaps it in as the département's partition in one transaction. A rerun, or
 * a rerun after a kill, leaves the same rows as a clean run.
 */
export async function stageTableFile(table: TableDef, path: string, ctx: LoadContext): Promise<StagedFile> {
  const { store, rejects } = ctx;
  const file = basename(path);
  const res: TableFileResult = {
    table: table.name,
    file,
    imported: 0,
    rejected: 0,
    duplicates: 0,
    warnings: 0,
    madeValid: 0,
    reprojected: 0,
    depts: [],
    extraColumns: [],
    refWarnings: [],
    encoding: 'utf-8',
    timings: {},
  };
  let tPhase = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    res.timings[name] = Math.round(now - tPhase) / 1000;
    tPhase = now;
  };
  const csv = await CsvFile.open(path);
  res.encoding = csv.encoding;
  if (csv.headerError) {
    res.fatal = csv.headerError;
    await csv.close();
    return { finish: async () => res };
  }
  const csvt = await csv.csvt();
  const mapper = new RowMapper(table, csv.header, { defaultDept: ctx.defaultDept, csvt });
  res.extraColumns = mapper.extraHeaders;
  const missingKey = mapper.missingKeyColumns();
  if (missingKey.length) {
    res.fatal = `the header lacks the key column(s) of ${table.name}: ${missingKey.join(', ')}`;
    await csv.close();
    return { finish: async () => res };
  }
  const staging = stagingName(table.name);
  await store.exec(
    `DROP TABLE IF EXISTS ${qualified(staging)}; CREATE TABLE ${qualified(staging)} (LIKE ${qualified(table.name)} INCLUDING DEFAULTS)`,
  );

  // Natural key hash → first line. A repeated hash is checked against the staging table after the
  // COPY, so a hash collision can never drop a row; memory is a few bytes per row, not the keys.
  const firstLine = new Map<number, number>();
  const suspects: { line: number; hash: number; copy: string }[] = [];
  const depts = new Set<string>();
  const workers = csv.size >= (ctx.workerMinBytes ?? WORKER_MIN_BYTES) ? mapWorkerCount() : 0;
  const pool = workers
    ? new MapPool(
        {
          table: table.name,
          header: csv.header,
          separator: csv.separator,
          defaultDept: ctx.defaultDept,
          csvt,
        },
        workers,
      )
    : null;

  async function* mapped(): AsyncGenerator<MappedBatch> {
    const inflight: Promise<MappedBatch>[] = [];
    for await (const batch of csv.batches()) {
      if (!pool) yield mapBatch(mapper, batch.records);
      else {
        const p = pool.submit(batch.text, batch.firstLine);
        p.catch(() => undefined); // awaited below, in order
        inflight.push(p);
        while (inflight.length >= pool.capacity) yield await inflight.shift()!;
      }
      ctx.onProgress?.(csv.bytesRead, csv.size);
    }
    while (inflight.length) yield await inflight.shift()!;
  }

  async function* chunks(): AsyncGenerator<string> {
    let buf: string[] = [];
    let size = 0;
    for await (const b of mapped()) {
      for (const issue of b.issues) await rejects.add({ file, ...issue });
      res.rejected += b.rejected;
      res.warnings += b.warnings;
      res.reprojected += b.reprojected;
      for (const d of b.depts) depts.add(d);
      const row = (i: number) => b.copy.slice(i === 0 ? 0 : b.ends[i - 1]!, b.ends[i]!);
      let drop: Set<number> | null = null;
      for (let i = 0; i < b.hashes.length; i++) {
        const h = b.hashes[i]!;
        if (!Number.isNaN(h)) {
          if (firstLine.has(h)) {
            (drop ??= new Set()).add(i);
            suspects.push({ line: b.lines[i]!, hash: h, copy: row(i) });
            continue;
          }
          firstLine.set(h, b.lines[i]!);
        }
        res.imported++;
      }
      let copy = b.copy;
      if (drop) {
        const out: string[] = [];
        for (let i = 0; i < b.hashes.length; i++) if (!drop.has(i)) out.push(row(i));
        copy = out.join('');
      }
      if (!copy) continue;
      buf.push(copy);
      size += copy.length;
      if (size >= COPY_CHUNK) {
        yield buf.join('');
        buf = [];
        size = 0;
      }
    }
    if (buf.length) yield buf.join('');
  }

  try {
    await store.copyFrom(qualified(staging), mapper.copyColumns, chunks());
  } finally {
    await pool?.close();
  }
  await settleSuspects();
  firstLine.clear();
  phase('copy');
  res.depts = [...depts].sort();
  // a file with no row still replaces its table for the export's département: it is now empty
  if (!res.depts.length && ctx.defaultDept) res.depts = [ctx.defaultDept];
  return { finish };

  async function settleSuspects(): Promise<void> {
    if (!suspects.length) return;
    const keyCols = table.key.filter((k) => k !== DEPT_COLUMN);
    const keep: string[] = [];
    const raws = await CsvFile.rawLines(path, new Set(suspects.map((s) => s.line)));
    for (const s of suspects) {
      const { dept, values } = mapper.keyOfCopyLine(s.copy);
      const cond = keyCols.map((k, i) => `${q(k)}::text = $${i + 2}`).join(' AND ');
      const hit = await store.query(
        `SELECT 1 FROM ${qualified(staging)} WHERE ${q(DEPT_COLUMN)} = $1 AND ${cond} LIMIT 1`,
        [dept, ...values],
      );
      if (hit.length) {
        res.duplicates++;
        await rejects.add({
          file,
          line: s.line,
          column: null,
          severity: 'duplicate',
          reason: `duplicate key (${keyCols.join(', ')}) = (${values.join(', ')}): line ${firstLine.get(s.hash)} kept`,
          raw: raws.get(s.line) ?? '',
        });
      } else {
        keep.push(s.copy); // a hash collision, not a duplicate
        res.imported++;
      }
    }
    if (keep.length) await store.copyFrom(qualified(staging), mapper.copyColumns, [keep.join('')]);
  }

  async function finish(): Promise<TableFileResult> {
    tPhase = performance.now();
    // Polygons made valid where they are not (self-intersections, bow-ties…), kept multi.
    for (const c of table.columns) {
      if (c.type !== 'geometry' || c.geometry !== 'MultiPolygon') continue;
      const fixed = await store.query<{ n: number }>(
        `WITH f AS (UPDATE ${qualified(staging)} SET ${q(c.name)} = ST_Multi(ST_CollectionExtract(ST_MakeValid(${q(c.name)}), 3))
         WHERE ${q(c.name)} IS NOT NULL AND NOT ST_IsValid(${q(c.name)}) RETURNING 1) SELECT count(*)::int AS n FROM f`,
      );
      res.madeValid += fixed[0]?.n ?? 0;
      await store.exec(`UPDATE ${qualified(staging)} SET ${q(c.name)} = NULL WHERE ST_IsEmpty(${q(c.name)})`);
    }

    phase('valid');
    // Cut per département (one département: the staging table is the partition), index, swap.
    const parts: { dept: string; name: string }[] = [];
    if (res.depts.length === 1) {
      const name = newPartName(table.name, res.depts[0]!);
      await store.exec(
        `DROP TABLE IF EXISTS ${qualified(name)}; ALTER TABLE ${qualified(staging)} RENAME TO ${q(name)}`,
      );
      parts.push({ dept: res.depts[0]!, name });
    } else {
      for (const dept of res.depts) {
        const name = newPartName(table.name, dept);
        await store.exec(
          `DROP TABLE IF EXISTS ${qualified(name)}; CREATE TABLE ${qualified(name)} (LIKE ${qualified(table.name)} INCLUDING DEFAULTS)`,
        );
        await store.query(
          `INSERT INTO ${qualified(name)} SELECT * FROM ${qualified(staging)} WHERE ${q(DEPT_COLUMN)} = $1`,
          [dept],
        );
        parts.push({ dept, name });
      }
      await store.exec(`DROP TABLE IF EXISTS ${qualified(staging)}`);
    }
    for (const p of parts) await preparePartition(store, table, p.dept, p.name);
    // counted before the swap: nothing inside it reads rows, so the parent's lock lasts a few ms
    const rows = new Map<string, number>();
    for (const p of parts) {
      const n = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${qualified(p.name)}`);
      rows.set(p.dept, n[0]!.n);
    }
    phase('index');
    await swapTransaction(store, async (tx) => {
      // recorded first: its row lock (batid.dept_version, kept by a trigger) is taken, or waited
      // for, before the swap's ACCESS EXCLUSIVE lock, which blocks every reader of the table
      for (const p of parts) await recordFile(tx, ctx, table.name, p.dept, file, rows.get(p.dept)!, res);
      for (const p of parts) await swapPartition(tx, table, p.dept, p.name);
    });
    phase('swap');
    for (const p of parts) await store.exec(`ANALYZE ${qualified(partitionName(table.name, p.dept))}`);
    // The parent's statistics on its join columns (parent-statistics.ts). Without them the card's
    // address branch (rel_batiment_groupe_adresse → adresse, one row) was estimated at 913 rows,
    // and priced by ST_Transform its generic plan on PostgreSQL went parallel: 40 ms a card
    // instead of 1. ~7 s over the 60 tables of a scale-1 département, on either backend.
    await analyzeParent(store, BDNB_SCHEMA, table.name, joinColumns(table));
    phase('analyze');
    res.refWarnings = await countMissingRefs(store, table, res.depts);
    phase('refs');
    return res;
  }
}

/**
 * Check constraint (so ATTACH needs no scan) and the parent's indexes, built on the new table
 * before it is attached. On a server the index builds run side by side on separate connections;
 * the primary key is built as a unique index, then adopted as the constraint.
 */
async function preparePartition(store: Store, table: TableDef, dept: string, name: string): Promise<void> {
  const final = partitionName(table.name, dept);
  const literal = `'${dept.replace(/'/g, "''")}'`;
  await store.exec(
    `ALTER TABLE ${qualified(name)} ADD CONSTRAINT ${q(ident63(`${final}_dept_check`))} CHECK (${q(DEPT_COLUMN)} IS NOT NULL AND ${q(DEPT_COLUMN)} = ${literal})`,
  );
  const builds = indexDefs(table).map((ix) => {
    const ixName = q(ident63(`${final}_${ix.suffix}__new`));
    return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${ixName} ON ${qualified(name)} ${ix.body}`;
  });
  if (store.kind === 'postgres') await Promise.all(builds.map((b) => store.exec(b)));
  else for (const b of builds) await store.exec(b);
  if (table.key.length) {
    const pk = q(ident63(`${final}_pkey__new`));
    await store.exec(`ALTER TABLE ${qualified(name)} ADD CONSTRAINT ${pk} PRIMARY KEY USING INDEX ${pk}`);
  }
}

async function swapPartition(tx: Queryable, table: TableDef, dept: string, name: string): Promise<void> {
  const final = partitionName(table.name, dept);
  const exists = await tx.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2`, [
    BDNB_SCHEMA,
    final,
  ]);
  if (exists.length) {
    await tx.exec(
      `ALTER TABLE ${qualified(table.name)} DETACH PARTITION ${qualified(final)}; DROP TABLE ${qualified(final)}`,
    );
  }
  await tx.exec(`ALTER TABLE ${qualified(name)} RENAME TO ${q(final)}`);
  for (const ix of indexDefs(table)) {
    const from = ident63(`${final}_${ix.suffix}__new`);
    const to = ident63(`${final}_${ix.suffix}`);
    await tx.exec(
      ix.suffix === 'pkey'
        ? `ALTER TABLE ${qualified(final)} RENAME CONSTRAINT ${q(from)} TO ${q(to)}`
        : `ALTER INDEX ${BDNB_SCHEMA}.${q(from)} RENAME TO ${q(to)}`,
    );
  }
  await tx.query(
    `ALTER TABLE ${qualified(table.name)} ATTACH PARTITION ${qualified(final)} FOR VALUES IN ('${dept.replace(/'/g, "''")}')`,
  );
}

async function recordFile(
  tx: Queryable,
  ctx: LoadContext,
  table: string,
  dept: string,
  file: string,
  rows: number,
  r: TableFileResult,
): Promise<void> {
  await tx.query(
    `INSERT INTO batid.import_file (run_id, table_name, code_departement_insee, file, rows_imported, rows_rejected, rows_duplicate, warnings, millesime)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
     ON CONFLICT (run_id, table_name, code_departement_insee) DO UPDATE SET file = EXCLUDED.file, rows_imported = EXCLUDED.rows_imported,
       rows_rejected = EXCLUDED.rows_rejected, rows_duplicate = EXCLUDED.rows_duplicate, warnings = EXCLUDED.warnings, imported_at = now()`,
    [ctx.runId, table, dept, file, rows, r.rejected, r.duplicates, r.warnings, ctx.millesime],
  );
  await tx.query(
    `INSERT INTO batid.source_version (table_name, code_departement_insee, millesime, file, run_id, rows_imported, imported_at)
     VALUES ($1,$2,$3,$4,$5,$6, now())
     ON CONFLICT (table_name, code_departement_insee) DO UPDATE SET millesime = EXCLUDED.millesime, file = EXCLUDED.file,
       run_id = EXCLUDED.run_id, rows_imported = EXCLUDED.rows_imported, imported_at = EXCLUDED.imported_at`,
    [table, dept, ctx.millesime, file, ctx.runId, rows],
  );
}

/** References to rows that are not (yet) imported: counted, never rejected. */
async function countMissingRefs(store: Store, table: TableDef, depts: string[]): Promise<RefWarning[]> {
  const out: RefWarning[] = [];
  for (const ref of table.refs) {
    const rows = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${qualified(table.name)} x
        WHERE x.${q(DEPT_COLUMN)} = ANY($1::text[]) AND x.${q(ref.column)} IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM ${qualified(ref.table)} r WHERE r.${q(ref.refColumn)} = x.${q(ref.column)})`,
      [depts],
    );
    const n = rows[0]?.n ?? 0;
    if (n > 0) out.push({ column: ref.column, table: ref.table, missing: n });
  }
  return out;
}
