import { basename } from 'node:path';
import { addressServiceOf } from '../../address/address-service.js';
import type { Store } from '../../store/store.js';
import { CsvFile } from '../csv/csv-file.js';
import type { CsvRecord } from '../csv/csv-parser.js';
import { deptOfCommune } from '../dept.js';
import { analyzeParent } from '../parent-statistics.js';
import { RejectWriter } from '../rejects.js';
import { copyText, parseBoolean, parseInteger, parseNumber, ValueError } from '../values.js';

/** The BAN "adresses" CSV layout (adresse.data.gouv.fr, one file per département, `;`). */
const COLUMNS = [
  'id',
  'id_fantoir',
  'numero',
  'rep',
  'nom_voie',
  'code_postal',
  'code_insee',
  'nom_commune',
  'code_insee_ancienne_commune',
  'nom_ancienne_commune',
  'x',
  'y',
  'lon',
  'lat',
  'type_position',
  'alias',
  'nom_ld',
  'libelle_acheminement',
  'nom_afnor',
  'source_position',
  'source_nom_voie',
  'certification_commune',
  'cad_parcelles',
] as const;
type Column = (typeof COLUMNS)[number];
const REQUIRED: readonly Column[] = ['id', 'numero', 'nom_voie', 'code_insee', 'lon', 'lat'];
const NUMBERS = new Set<Column>(['x', 'y']);
const STAGED = [...COLUMNS, 'code_departement_insee', 'extra'];

export class BanInputError extends Error {}

export interface BanFileResult {
  file: string;
  rows: number;
  imported: number;
  rejected: number;
  duplicate: number;
  depts: string[];
}

export interface BanImportResult {
  files: BanFileResult[];
  imported: number;
  rejected: number;
  depts: string[];
  rejectsPath: string | null;
  runId: number;
}

export interface BanImportOptions {
  rejectsPath?: string;
  onProgress?: (label: string, done: number, total: number) => void;
  onFileDone?: (r: BanFileResult) => void;
}

/**
 * Imports BAN address CSVs into ban.adresse. Every row is checked (a bad row goes to the rejects
 * file with its line and column and the others load); the rows are staged, then the départements
 * they cover are replaced in one transaction: a reader sees the old addresses or the new ones.
 */
export async function importBan(
  store: Store,
  paths: string[],
  opts: BanImportOptions = {},
): Promise<BanImportResult> {
  const rejects = new RejectWriter(opts.rejectsPath ?? 'ban-rejects.csv');
  const run = await store.query<{ run_id: number }>(
    `INSERT INTO batid.import_run (source) VALUES ('ban') RETURNING run_id`,
  );
  const runId = run[0]!.run_id;
  const staging = `adresse__load_${runId}`;
  const results: BanFileResult[] = [];
  try {
    await store.exec(
      `CREATE UNLOGGED TABLE ban.${staging} (LIKE ban.adresse);
       ALTER TABLE ban.${staging} ALTER COLUMN geom DROP NOT NULL, ALTER COLUMN code_departement_insee DROP NOT NULL`,
    );
    const seen = new Set<string>();
    for (const path of paths) results.push(await stageFile(store, staging, path, seen, rejects, opts));
    const depts = [...new Set(results.flatMap((r) => r.depts))].sort();
    await store.transaction(async (tx) => {
      for (const d of depts)
        await tx.exec(
          `CREATE TABLE IF NOT EXISTS ban.adresse_${d.toLowerCase()} PARTITION OF ban.adresse FOR VALUES IN ('${d}')`,
        );
      await tx.query(`DELETE FROM ban.adresse WHERE code_departement_insee = ANY($1)`, [depts]);
      await tx.query(
        `INSERT INTO ban.adresse (${STAGED.join(', ')}, geom, run_id)
         SELECT ${STAGED.join(', ')}, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 2154), $1
           FROM ban.${staging}`,
        [runId],
      );
      for (const d of depts) {
        const rows = await tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ban.adresse WHERE code_departement_insee = $1`,
          [d],
        );
        const file = results
          .filter((r) => r.depts.includes(d))
          .map((r) => r.file)
          .join(', ');
        await tx.query(
          `INSERT INTO batid.import_file (run_id, table_name, code_departement_insee, file, rows_imported, rows_rejected, rows_duplicate, warnings)
           VALUES ($1, 'ban.adresse', $2, $3, $4, 0, 0, 0)`,
          [runId, d, file, rows[0]!.n],
        );
        await tx.query(
          `INSERT INTO batid.source_version (table_name, code_departement_insee, millesime, file, run_id, rows_imported, imported_at)
           VALUES ('ban.adresse', $1, NULL, $2, $3, $4, now())
           ON CONFLICT (table_name, code_departement_insee) DO UPDATE
             SET millesime = EXCLUDED.millesime, file = EXCLUDED.file, run_id = EXCLUDED.run_id,
                 rows_imported = EXCLUDED.rows_imported, imported_at = EXCLUDED.imported_at`,
          [d, file, runId, rows[0]!.n],
        );
      }
      await tx.query(`UPDATE batid.import_run SET status = 'done', finished_at = now() WHERE run_id = $1`, [
        runId,
      ]);
    });
    // statistics for the planner, which PGlite (no autovacuum) never gathers: the new partitions,
    // then the parent on its btree index columns, as the BDNB tables (../parent-statistics.ts)
    for (const d of depts) await store.exec(`ANALYZE ban.adresse_${d.toLowerCase()}`);
    await analyzeParent(store, 'ban', 'adresse', ['id', 'code_departement_insee', 'code_insee']);
    addressServiceOf(store).invalidate();
    await rejects.close();
    return {
      files: results,
      imported: results.reduce((a, r) => a + r.imported, 0),
      rejected: results.reduce((a, r) => a + r.rejected, 0),
      depts,
      rejectsPath: rejects.written ? rejects.path : null,
      runId,
    };
  } catch (err) {
    await rejects.close();
    await store
      .query(`UPDATE batid.import_run SET status = 'failed', finished_at = now() WHERE run_id = $1`, [runId])
      .catch(() => undefined);
    throw err;
  } finally {
    await store.exec(`DROP TABLE IF EXISTS ban.${staging}`).catch(() => undefined);
  }
}

async function stageFile(
  store: Store,
  staging: string,
  path: string,
  seen: Set<string>,
  rejects: RejectWriter,
  opts: BanImportOptions,
): Promise<BanFileResult> {
  const file = basename(path);
  const csv = await CsvFile.open(path);
  if (csv.headerError) throw new BanInputError(`${path}: ${csv.headerError}`);
  const header = csv.header.map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length)
    throw new BanInputError(
      `${path}: not a BAN addresses file, missing column(s) ${missing.join(', ')} (header: ${header.join(csv.separator)})`,
    );
  const at = new Map(header.map((h, i) => [h, i]));
  const extraCols = header
    .map((h, i) => [h, i] as const)
    .filter(([h]) => !(COLUMNS as readonly string[]).includes(h));
  const result: BanFileResult = { file, rows: 0, imported: 0, rejected: 0, duplicate: 0, depts: [] };
  const depts = new Set<string>();

  const reject = async (
    r: CsvRecord,
    column: number | null,
    reason: string,
    severity: 'rejected' | 'duplicate',
  ) => {
    if (severity === 'rejected') result.rejected++;
    else result.duplicate++;
    await rejects.add({ file, line: r.line, column, severity, reason, raw: r.raw });
  };

  async function* lines(): AsyncGenerator<string> {
    for await (const batch of csv.batches()) {
      let out = '';
      for (const r of batch.records) {
        result.rows++;
        if (r.error !== undefined) {
          await reject(r, null, r.error, 'rejected');
          continue;
        }
        const mapped = mapRow(r.fields, at, extraCols);
        if ('error' in mapped) {
          await reject(r, mapped.column, mapped.error, 'rejected');
          continue;
        }
        if (seen.has(mapped.id)) {
          await reject(r, (at.get('id') ?? 0) + 1, `duplicate id ${mapped.id} (first row kept)`, 'duplicate');
          continue;
        }
        seen.add(mapped.id);
        depts.add(mapped.dept);
        result.imported++;
        out += mapped.line;
      }
      opts.onProgress?.(file, csv.bytesRead, csv.size);
      if (out) yield out;
    }
  }
  await store.copyFrom(`ban.${staging}`, STAGED, lines());
  await csv.close();
  result.depts = [...depts].sort();
  opts.onFileDone?.(result);
  return result;
}

type Mapped = { id: string; dept: string; line: string } | { error: string; column: number };

/** One BAN row to a COPY line, or what is wrong with it and in which (1-based) column. */
function mapRow(fields: string[], at: Map<string, number>, extraCols: (readonly [string, number])[]): Mapped {
  const get = (c: Column) => {
    const i = at.get(c);
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  const col = (c: Column) => (at.get(c) ?? 0) + 1;
  const out: string[] = [];
  for (const c of COLUMNS) {
    const v = get(c);
    if (REQUIRED.includes(c) && !v && c !== 'numero') return { error: `${c} is empty`, column: col(c) };
    if (!v) {
      out.push('\\N');
      continue;
    }
    try {
      out.push(typed(c, v));
    } catch (e) {
      if (e instanceof ValueError) return { error: `${c}: ${e.message}`, column: col(c) };
      throw e;
    }
  }
  const id = get('id');
  const dept = deptOfCommune(get('code_insee'));
  if (!dept)
    return { error: `code_insee "${get('code_insee')}" is not a commune code`, column: col('code_insee') };
  const lon = parseNumber(get('lon'));
  const lat = parseNumber(get('lat'));
  if (!(lon >= -180 && lon <= 180))
    return { error: `lon ${get('lon')} is not a longitude`, column: col('lon') };
  if (!(lat >= -90 && lat <= 90)) return { error: `lat ${get('lat')} is not a latitude`, column: col('lat') };
  out.push(dept);
  const extra: Record<string, string> = {};
  for (const [h, i] of extraCols) if (fields[i]) extra[h] = fields[i]!;
  out.push(extraCols.length ? copyText(JSON.stringify(extra)) : '\\N');
  return { id, dept, line: `${out.join('\t')}\n` };
}

function typed(c: Column, v: string): string {
  if (c === 'numero') return String(parseInteger(v));
  if (c === 'lon' || c === 'lat' || NUMBERS.has(c)) return String(parseNumber(v));
  if (c === 'certification_commune') return parseBoolean(v) ? 't' : 'f';
  if (c === 'cad_parcelles') {
    const parts = v.split('|').filter(Boolean);
    if (parts.some((p) => !/^[0-9A-Z]+$/i.test(p)))
      throw new ValueError(`expected parcel ids separated by |, got "${v}"`);
    return `{${parts.join(',')}}`;
  }
  return copyText(v);
}
