import { basename } from 'node:path';
import { addressServiceOf } from '../address/address-service.js';
import type { AddressIndex } from '../address/address-index.js';
import { audit, CLI_ACTOR, type Actor } from '../auth/audit.js';
import { lonLatToLambert93 } from '../geo/crs.js';
import { CsvFile } from '../ingest/csv/csv-file.js';
import type { CsvRecord } from '../ingest/csv/csv-parser.js';
import type { RejectEntry } from '../ingest/rejects.js';
import type { Store } from '../store/store.js';
import { geocodeProfessional } from './geocode-professional.js';
import {
  columnName,
  DIRECTORY_HEADER,
  parseProfessionalRow,
  REQUIRED_COLUMNS,
  type ProfessionalInput,
} from './professional-row.js';

/** The file cannot be imported at all (no header, a required column missing, nothing to replace with). */
export class DirectoryInputError extends Error {}

/** Where rejected rows, duplicates and warnings go: the rejects CSV (RejectWriter) or a list. */
export interface RejectSink {
  add(e: RejectEntry): Promise<void>;
}

export interface DirectoryImportOptions {
  rejects: RejectSink;
  /** The file's rows become the whole directory (others removed), in one transaction. */
  replace?: boolean;
  /** Recorded on each row (default: the file's name). */
  source?: string;
  actor?: Actor;
}

export interface DirectoryImportResult {
  file: string;
  rows: number;
  imported: number;
  /** Rows refused (duplicates of an id included). */
  rejected: number;
  duplicates: number;
  warnings: number;
  /** How the imported rows were located. */
  located: { lonlat: number; address: number; none: number };
  /** Columns of the file that are not directory columns (not kept). */
  ignoredColumns: string[];
  replaced: boolean;
  /** Professionals removed by --replace. */
  removed: number;
  importId: number;
}

interface Located extends ProfessionalInput {
  x: number | null;
  y: number | null;
  geocoding: 'lonlat' | 'address' | 'none';
  geocodingScore: number | null;
}

const BATCH = 500;

const radiusNote = (v: ProfessionalInput) =>
  v.areaRadiusKm === null ? '' : ` (its rayon_km ${v.areaRadiusKm} cannot apply until it is located)`;

/**
 * Imports a directory CSV (`;`, `,` or tab, UTF-8 with or without BOM, or Windows-1252). Every
 * row is checked (src/directory/professional-row.ts): a bad row goes to the rejects with its line,
 * column and reason, the good ones are kept. Rows without lon/lat are geocoded from their address
 * by the local address index; one that cannot be is kept unlocated, with a warning. Then, in one
 * transaction, the rows are upserted by id (with `replace`, the directory is emptied first).
 */
export async function importDirectory(
  store: Store,
  path: string,
  opts: DirectoryImportOptions,
): Promise<DirectoryImportResult> {
  const file = basename(path);
  let csv: CsvFile;
  try {
    csv = await CsvFile.open(path);
  } catch (err) {
    throw new DirectoryInputError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const result: DirectoryImportResult = {
    file,
    rows: 0,
    imported: 0,
    rejected: 0,
    duplicates: 0,
    warnings: 0,
    located: { lonlat: 0, address: 0, none: 0 },
    ignoredColumns: [],
    replaced: Boolean(opts.replace),
    removed: 0,
    importId: 0,
  };
  const rows: Located[] = [];
  try {
    if (csv.headerError) throw new DirectoryInputError(`${file}: ${csv.headerError}`);
    const header = csv.header.map(columnName);
    const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
    if (missing.length)
      throw new DirectoryInputError(
        `${file}: not a directory file, missing column(s) ${missing.join(', ')} (expected a header with ${DIRECTORY_HEADER.join(csv.separator)})`,
      );
    const at = new Map<string, number>();
    header.forEach((h, i) => {
      if ((DIRECTORY_HEADER as string[]).includes(h) && !at.has(h)) at.set(h, i);
      else result.ignoredColumns.push(csv.header[i]!);
    });
    const note = async (
      r: CsvRecord,
      column: number | null,
      reason: string,
      severity: RejectEntry['severity'],
    ) => {
      if (severity === 'warning') result.warnings++;
      else result.rejected++;
      if (severity === 'duplicate') result.duplicates++;
      await opts.rejects.add({ file, line: r.line, column, severity, reason, raw: r.raw });
    };
    const column = (c: string) => {
      const i = at.get(c);
      return i === undefined ? null : i + 1;
    };
    const seen = new Set<string>();
    let index: AddressIndex | null = null;
    for await (const batch of csv.batches()) {
      for (const r of batch.records) {
        result.rows++;
        if (r.error !== undefined) {
          await note(r, null, r.error, 'rejected');
          continue;
        }
        if (r.fields.length !== header.length) {
          await note(r, null, `expected ${header.length} fields, got ${r.fields.length}`, 'rejected');
          continue;
        }
        const p = parseProfessionalRow(r.fields, at);
        if (!p.ok) {
          await note(r, p.column, p.error, 'rejected');
          continue;
        }
        const v = p.value;
        if (seen.has(v.id)) {
          const col = at.get('id') ?? at.get('siret');
          await note(
            r,
            col === undefined ? null : col + 1,
            `duplicate id ${v.id} (first row kept)`,
            'duplicate',
          );
          continue;
        }
        seen.add(v.id);
        let located: Located;
        if (v.lon !== null && v.lat !== null) {
          const [x, y] = lonLatToLambert93(v.lon, v.lat);
          located = { ...v, x, y, geocoding: 'lonlat', geocodingScore: null };
        } else if (v.address) {
          index ??= await addressServiceOf(store).ready();
          const idx = index;
          const g = geocodeProfessional((q, o) => idx.search(q, o), v);
          if (g.ok) {
            const [x, y] = lonLatToLambert93(g.lon, g.lat);
            located = {
              ...v,
              codeCommune: v.codeCommune ?? g.citycode,
              codePostal: v.codePostal ?? g.postcode,
              x,
              y,
              geocoding: 'address',
              geocodingScore: g.score,
            };
          } else {
            located = { ...v, x: null, y: null, geocoding: 'none', geocodingScore: null };
            await note(r, column('adresse'), g.reason + radiusNote(v), 'warning');
          }
        } else {
          // nothing to locate: a warning only when a radius was meant to apply
          located = { ...v, x: null, y: null, geocoding: 'none', geocodingScore: null };
          if (v.areaRadiusKm !== null)
            await note(
              r,
              column('rayon_km'),
              `no lon/lat and no address: not located${radiusNote(v)}`,
              'warning',
            );
        }
        result.located[located.geocoding]++;
        rows.push(located);
      }
    }
  } finally {
    await csv.close();
  }
  if (opts.replace && !rows.length)
    throw new DirectoryInputError(
      `${file}: no valid row, and --replace would empty the directory: nothing changed`,
    );
  const source = opts.source ?? file;
  await store.transaction(async (tx) => {
    if (opts.replace) {
      const del = await tx.query<{ n: number }>(
        `WITH d AS (DELETE FROM directory.professional RETURNING 1) SELECT count(*)::int AS n FROM d`,
      );
      result.removed = del[0]!.n;
    }
    for (let i = 0; i < rows.length; i += BATCH) await upsert(tx, rows.slice(i, i + BATCH), source);
    result.imported = rows.length;
    const [imp] = await tx.query<{ id: number }>(
      `INSERT INTO directory.import (source, replaced, rows_imported, rows_rejected, warnings, actor)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::int AS id`,
      [
        source,
        result.replaced,
        result.imported,
        result.rejected,
        result.warnings,
        (opts.actor ?? CLI_ACTOR).id,
      ],
    );
    result.importId = imp!.id;
    await audit(tx, opts.actor ?? CLI_ACTOR, {
      action: 'update',
      entity: 'directory',
      entity_id: String(imp!.id),
      after: {
        source,
        replace: result.replaced,
        imported: result.imported,
        rejected: result.rejected,
        removed: result.removed,
      },
    });
  });
  return result;
}

async function upsert(tx: { query: Store['query'] }, rows: Located[], source: string): Promise<void> {
  const json = rows.map((r) => ({
    id: r.id,
    name: r.name,
    specialties: r.specialties,
    rge: r.rge,
    rge_qualifications: r.rgeQualifications,
    rge_valid_until: r.rgeValidUntil,
    siret: r.siret,
    address: r.address,
    commune: r.commune,
    code_postal: r.codePostal,
    code_commune_insee: r.codeCommune,
    x: r.x,
    y: r.y,
    geocoding: r.geocoding,
    geocoding_score: r.geocodingScore,
    area_departements: r.areaDepartements,
    area_communes: r.areaCommunes,
    area_radius_km: r.areaRadiusKm,
    website: r.website,
    phone: r.phone,
    email: r.email,
  }));
  const cols = [
    'name',
    'specialties',
    'rge',
    'rge_qualifications',
    'rge_valid_until',
    'siret',
    'address',
    'commune',
    'code_postal',
    'code_commune_insee',
    'geocoding',
    'geocoding_score',
    'area_departements',
    'area_communes',
    'area_radius_km',
    'website',
    'phone',
    'email',
  ];
  await tx.query(
    `INSERT INTO directory.professional (id, ${cols.join(', ')}, geom, source, imported_at)
     SELECT id, ${cols.join(', ')},
            CASE WHEN x IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(x, y), 2154) END, $2, now()
       FROM jsonb_to_recordset($1::jsonb) AS r(
         id text, name text, specialties text[], rge boolean, rge_qualifications text[], rge_valid_until date,
         siret text, address text, commune text, code_postal text, code_commune_insee text,
         x float8, y float8, geocoding text, geocoding_score float8, area_departements text[],
         area_communes text[], area_radius_km float8, website text, phone text, email text)
     ON CONFLICT (id) DO UPDATE SET ${[...cols, 'geom', 'source', 'imported_at']
       .map((c) => `${c} = EXCLUDED.${c}`)
       .join(', ')}`,
    [JSON.stringify(json), source],
  );
}
