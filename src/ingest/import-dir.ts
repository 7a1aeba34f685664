import { access, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Store } from '../store/store.js';
import type { TableDef } from './catalog/types.js';
import { CsvFile } from './csv/csv-file.js';
import { dropLeftovers, stageTableFile, type TableFileResult } from './load-table-file.js';
import { RejectWriter } from './rejects.js';
import { RowMapper } from './row-mapper.js';
import { tableFromFileName, tableFromHeader } from './table-detect.js';
import { normaliseDept } from './dept.js';
import { assignBatids, type AssignSummary } from '../ids/assign.js';
import {
  deriveRenovations,
  RENOVATION_INPUTS,
  type DeriveSummary,
} from '../renovation/derive-renovations.js';
import { buildCardBodies, type CardBodiesSummary } from '../buildings/card.js';

export interface ImportOptions {
  /** A directory of CSV files, or CSV files. */
  paths: string[];
  millesime?: string | undefined;
  rejectsPath?: string | undefined;
  dept?: string | undefined;
  /** `file name → table` for files whose name says nothing. */
  tableOf?: Record<string, string>;
  /** Files at least this big are mapped on worker threads (default 4 MB). */
  workerMinBytes?: number;
  onProgress?: (label: string, done: number, total: number) => void;
  onFileDone?: (r: TableFileResult) => void;
  onNote?: (message: string) => void;
  onBatids?: (s: AssignSummary) => void;
  onRenovations?: (s: DeriveSummary) => void;
  onCards?: (s: CardBodiesSummary) => void;
}

export interface ImportSummary {
  runId: number;
  /** BatID assignment per département whose footprints were (re)imported. */
  batids: AssignSummary[];
  /** Time spent assigning BatIDs (s). */
  batidSeconds: number;
  /** DPE histories and renovations derived again, per département whose certificates changed. */
  renovations: DeriveSummary[];
  /** Card bodies built again, per département whose data changed. */
  cards: CardBodiesSummary[];
  millesime: string | null;
  files: TableFileResult[];
  unknownFiles: { file: string; reason: string }[];
  rejectsPath: string | null;
}

/** The millésime a path names (`…millesime_2023-11-a…` → `2023-11.a`), if any. */
export function millesimeFromPath(p: string): string | null {
  const m = /(20\d\d)[-_.](0[1-9]|1[0-2])(?:[-_.]([a-z])(?![a-z]))?/i.exec(p);
  if (!m) return null;
  return m[3] ? `${m[1]}-${m[2]}.${m[3].toLowerCase()}` : `${m[1]}-${m[2]}`;
}

/** Tables that others refer to go first, so fewer references are reported missing. */
const FIRST = [
  'batiment_groupe',
  'batiment_construction',
  'adresse',
  'parcelle',
  'dpe_logement',
  'sitadel',
  'proprietaire',
];

async function listCsv(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new Error(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => /\.(csv|tsv)$/i.test(n) && !/rejects/i.test(n)).sort();
      out.push(...names.map((n) => join(p, n)));
    } else out.push(p);
  }
  for (const f of out) {
    try {
      await access(f);
    } catch {
      throw new Error(`${f}: cannot be read`);
    }
  }
  return out;
}

/** Reads the first rows of each file to find the département of an export that does not say it on every row. */
async function peekDept(files: { path: string; table: TableDef }[]): Promise<string | null> {
  const counts = new Map<string, number>();
  for (const { path, table } of files) {
    const csv = await CsvFile.open(path);
    if (csv.headerError) {
      await csv.close();
      continue;
    }
    const mapper = new RowMapper(table, csv.header, { defaultDept: null });
    let seen = 0;
    for await (const batch of csv.batches()) {
      for (const rec of batch.records) {
        if (rec.error !== undefined) continue;
        const m = mapper.map(rec.fields);
        if (m.ok) counts.set(m.row.dept, (counts.get(m.row.dept) ?? 0) + 1);
        if (++seen >= 200) break;
      }
      if (seen >= 200) break;
    }
    await csv.close();
  }
  let best: string | null = null;
  for (const [d, n] of counts) if (!best || n > counts.get(best)!) best = d;
  return best;
}

/** `batid import`: every recognised BDNB CSV of the given paths, one partition swap per table and département. */
export async function importBdnb(
  store: Store,
  tables: readonly TableDef[],
  opts: ImportOptions,
): Promise<ImportSummary> {
  const files = await listCsv(opts.paths);
  if (!files.length) throw new Error(`no CSV file in ${opts.paths.join(', ')}`);
  const byName = new Map(tables.map((t) => [t.name, t]));
  const known: { path: string; table: TableDef }[] = [];
  const unknownFiles: ImportSummary['unknownFiles'] = [];
  for (const path of files) {
    const file = basename(path);
    const forced = opts.tableOf?.[file];
    let t: TableDef | null | undefined = forced ? byName.get(forced) : tableFromFileName(file, tables);
    if (forced && !t) throw new Error(`--table ${forced}=${file}: no BDNB table is called "${forced}"`);
    if (!t) {
      const csv = await CsvFile.open(path);
      await csv.close();
      t = csv.headerError ? null : tableFromHeader(csv.header, tables);
      if (t)
        opts.onNote?.(
          `${file}: table guessed from its header: ${t.name} (say --table NAME=${file} to choose)`,
        );
    }
    const same = t && known.find((k) => k.table === t);
    if (same)
      unknownFiles.push({
        file,
        reason: `${basename(same.path)} is already table ${same.table.name} in this import (a table is replaced by one file per import; import the other one separately)`,
      });
    else if (t) known.push({ path, table: t });
    else unknownFiles.push({ file, reason: 'not a known BDNB table (by its name or its header)' });
  }
  known.sort((a, b) => {
    const ra = FIRST.indexOf(a.table.name);
    const rb = FIRST.indexOf(b.table.name);
    return (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb) || a.table.name.localeCompare(b.table.name);
  });

  let defaultDept: string | null;
  if (opts.dept) {
    defaultDept = normaliseDept(opts.dept);
    if (!defaultDept) throw new Error(`--dept ${opts.dept}: not a département code (01…95, 2A, 2B, 971…976)`);
  } else defaultDept = await peekDept(known);

  const firstDir = opts.paths[0]!;
  const millesime = opts.millesime ?? millesimeFromPath(resolve(firstDir));
  const rejectsPath =
    opts.rejectsPath ??
    join((await stat(firstDir)).isDirectory() ? firstDir : resolve(firstDir, '..'), 'batid-rejects.csv');
  const rejects = new RejectWriter(rejectsPath);
  const run = await store.query<{ run_id: number }>(
    `INSERT INTO batid.import_run (source, millesime) VALUES ($1, $2) RETURNING run_id`,
    [resolve(firstDir), millesime],
  );
  const runId = run[0]!.run_id;
  const results: TableFileResult[] = [];
  const batids: AssignSummary[] = [];
  const renovations: DeriveSummary[] = [];
  const cards: CardBodiesSummary[] = [];
  let batidSeconds: number;
  try {
    await dropLeftovers(store);
    // While the database checks, indexes and swaps one file, the next one is read and copied.
    let finishing: Promise<TableFileResult> | null = null;
    const settle = async () => {
      if (!finishing) return;
      const r = await finishing;
      finishing = null;
      results.push(r);
      opts.onFileDone?.(r);
    };
    try {
      for (const { path, table } of known) {
        const staged = await stageTableFile(table, path, {
          store,
          rejects,
          runId,
          millesime,
          defaultDept,
          workerMinBytes: opts.workerMinBytes,
          onProgress: (done, total) => opts.onProgress?.(table.name, done, total),
        });
        await settle();
        finishing = staged.finish();
      }
      await settle();
    } finally {
      await (finishing as Promise<unknown> | null)?.catch(() => undefined);
    }
    // Footprints (re)imported: give them their BatIDs, keeping those of buildings still there.
    const touched = new Set(
      results
        .filter(
          (r) => !r.fatal && ['batiment_construction', 'rel_batiment_construction_rnb'].includes(r.table),
        )
        .flatMap((r) => r.depts),
    );
    const tAssign = performance.now();
    for (const dept of [...touched].sort()) {
      const s = await assignBatids(store, dept, { runId, millesime });
      batids.push(s);
      opts.onBatids?.(s);
    }
    // PGlite has no autovacuum: without this the registry is never analysed, and plans without
    // column statistics loop where they should hash (a bulk job's heating read 1.6 s, 0.5 after).
    // SKIP_LOCKED: a table another session is analysing (a tiles rebuild) is left to it
    if (touched.size) await store.exec(`ANALYZE (SKIP_LOCKED) batid.building, batid.id_link, batid.event`);
    batidSeconds = (performance.now() - tAssign) / 1000;
    // Certificates (re)imported: their histories and renovations derived again.
    const dpeTouched = new Set(
      results
        .filter((r) => !r.fatal && (RENOVATION_INPUTS as readonly string[]).includes(r.table))
        .flatMap((r) => r.depts),
    );
    for (const dept of [...dpeTouched].sort()) {
      const s = await deriveRenovations(store, dept);
      renovations.push(s);
      opts.onRenovations?.(s);
    }
    // Any table (re)imported: the département's card bodies built again from its new data.
    const dataTouched = new Set(results.filter((r) => !r.fatal).flatMap((r) => r.depts));
    for (const dept of [...dataTouched].sort()) {
      const s = await buildCardBodies(store, dept);
      cards.push(s);
      opts.onCards?.(s);
    }
    await store.query(`UPDATE batid.import_run SET status = 'done', finished_at = now() WHERE run_id = $1`, [
      runId,
    ]);
  } catch (err) {
    await store
      .query(`UPDATE batid.import_run SET status = 'failed', finished_at = now() WHERE run_id = $1`, [runId])
      .catch(() => undefined);
    throw err;
  } finally {
    await rejects.close();
  }
  return {
    runId,
    millesime,
    files: results,
    batids,
    batidSeconds,
    renovations,
    cards,
    unknownFiles,
    rejectsPath: rejects.written ? rejectsPath : null,
  };
}

/** `TABLE: N imported, M rejected` and what else the user should know, one line per file. */
export function summaryLine(r: TableFileResult): string {
  if (r.fatal) return `${r.table}: not imported (${r.file}: ${r.fatal})`;
  const bits = [`${r.table}: ${r.imported} imported, ${r.rejected} rejected`];
  if (r.duplicates) bits.push(`${r.duplicates} duplicate${r.duplicates > 1 ? 's' : ''} merged`);
  if (r.warnings) bits.push(`${r.warnings} warning${r.warnings > 1 ? 's' : ''}`);
  if (r.madeValid) bits.push(`${r.madeValid} geometr${r.madeValid > 1 ? 'ies' : 'y'} made valid`);
  if (r.reprojected) bits.push(`${r.reprojected} reprojected from WGS84`);
  for (const w of r.refWarnings) bits.push(`${w.missing} ${w.column} not found in ${w.table} (warning)`);
  if (r.extraColumns.length) bits.push(`kept in extra: ${r.extraColumns.join(', ')}`);
  if (r.encoding !== 'utf-8') bits.push(`read as ${r.encoding}`);
  return bits.join(', ');
}

/** `batid 03: 405123 footprints, 404000 kept, 1000 created, …` */
export function batidLine(s: AssignSummary): string {
  return (
    `BatID ${s.dept}: ${s.footprints} footprints, ${s.kept} kept (${s.updated} updated), ${s.created} created, ` +
    `${s.demolished} demolished, ${s.merged} merged, ${s.split} split, ${s.conflicts} conflicts queued`
  );
}

export function cardsLine(s: CardBodiesSummary): string {
  return `cards ${s.dept}: ${s.groups} building groups' card bodies built (${s.seconds.toFixed(1)} s)`;
}

export function renovationLine(s: DeriveSummary): string {
  return `DPE ${s.dept}: ${s.certificates} certificates in building histories, ${s.renovations} renovations detected (${s.seconds.toFixed(1)} s)`;
}
