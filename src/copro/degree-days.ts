/**
 * Degree days (DJU, base 18 °C) per département and year, for the climate correction of heating
 * consumption (domain.md §4). Rows of `copro.degree_days` (entered, or imported from Météo-France
 * daily files) come first; the shipped table (`data/degree-days/reference.csv`) gives the
 * reference value of a département that has none in the database, never a yearly one.
 */
import { normaliseDept } from '../ingest/dept.js';
import type { Queryable, Store } from '../store/store.js';
import { DegreeDaysInputError } from './degree-days-input-error.js';
import { shippedReference, type ClimateZone } from './degree-days-reference.js';
import { meteoDju, type MeteoDjuOptions, type MeteoDjuResult } from './meteo-dju.js';

export { DegreeDaysInputError } from './degree-days-input-error.js';

export interface DegreeDaysValue {
  dju: number;
  source: string;
  /** true when the value comes from the database (entered or imported), false for the shipped table */
  edited: boolean;
}

/** One value as listed: a département's reference (`annee` null) or one year. */
export interface DegreeDaysRow {
  dept: string;
  annee: number | null;
  dju: number;
  source: string;
  edited: boolean;
  /** The département's climate zone (shipped table), null overseas. */
  zone: ClimateZone | null;
  /** Who wrote the database row ('cli', 'import', a key id); null for the shipped table. */
  updatedBy: string | null;
  /** ISO timestamp (UTC) of the database row; null for the shipped table. */
  updatedAt: string | null;
}

export interface DegreeDaysInput {
  dept: string;
  /** null = the département's reference (normal) value */
  annee: number | null;
  dju: number;
  source: string;
}

export const DJU_MAX = 6000;
export const FIRST_DJU_YEAR = 1950;
const SOURCE_MAX = 500;

function deptOf(dept: unknown): string {
  const d = typeof dept === 'string' ? normaliseDept(dept) : null;
  if (d === '20') throw new DegreeDaysInputError('dept', 'unknown département 20: Corsica is 2A or 2B');
  if (!d)
    throw new DegreeDaysInputError(
      'dept',
      `unknown département: expected a code such as 03, 2A or 974, got ${JSON.stringify(dept)}`,
    );
  return d;
}

/** Checks and normalises a value before it is stored (pure; `now` for the tests). */
export function checkDegreeDaysInput(input: DegreeDaysInput, now = new Date()): DegreeDaysInput {
  const dept = deptOf(input.dept);
  const { annee, dju } = input;
  const thisYear = now.getUTCFullYear();
  if (annee !== null && !(Number.isInteger(annee) && annee >= FIRST_DJU_YEAR && annee <= thisYear))
    throw new DegreeDaysInputError(
      'annee',
      Number.isInteger(annee) && annee > thisYear
        ? `${annee} is in the future (expected ${FIRST_DJU_YEAR}…${thisYear}, or none for the reference)`
        : `expected a year in ${FIRST_DJU_YEAR}…${thisYear} (or none for the reference), got ${annee}`,
    );
  if (typeof dju !== 'number' || !Number.isFinite(dju) || dju <= 0 || dju > DJU_MAX)
    throw new DegreeDaysInputError('dju', `expected degree days in (0, ${DJU_MAX}], got ${dju}`);
  const source = typeof input.source === 'string' ? input.source.trim() : '';
  if (!source)
    throw new DegreeDaysInputError(
      'source',
      'say where the value comes from (e.g. « Météo-France, station … »)',
    );
  if (source.length > SOURCE_MAX)
    throw new DegreeDaysInputError('source', `at most ${SOURCE_MAX} characters, got ${source.length}`);
  return { dept, annee, dju, source };
}

const ROW_SQL = `SELECT code_departement_insee AS dept, annee, dju, source, updated_by,
    to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at
  FROM copro.degree_days`;

interface DbRow {
  dept: string;
  annee: number | null;
  dju: number;
  source: string;
  updated_by: string;
  updated_at: string;
}

const fromDb = (r: DbRow): DegreeDaysRow => ({
  dept: r.dept,
  annee: r.annee,
  dju: r.dju,
  source: r.source,
  edited: true,
  zone: shippedReference().get(r.dept)?.zone ?? null,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
});

/**
 * The degree days of a département for a year and its reference: the database row first, then
 * (reference only) the shipped table; null when neither has one.
 */
export async function degreeDaysFor(
  db: Queryable,
  dept: string,
  year: number,
): Promise<{ year: DegreeDaysValue | null; reference: DegreeDaysValue | null }> {
  const { years, reference } = await degreeDaysForYears(db, dept, [year]);
  return { year: years.get(year) ?? null, reference };
}

/** The same for several years of one département, in one query. */
export async function degreeDaysForYears(
  db: Queryable,
  dept: string,
  years: readonly number[],
): Promise<{ years: Map<number, DegreeDaysValue>; reference: DegreeDaysValue | null }> {
  const d = deptOf(dept);
  const rows = await db.query<{ annee: number | null; dju: number; source: string }>(
    `SELECT annee, dju, source FROM copro.degree_days
      WHERE code_departement_insee = $1 AND (annee = ANY($2::int[]) OR annee IS NULL)`,
    [d, [...years]],
  );
  const value = (r: { dju: number; source: string }): DegreeDaysValue => ({
    dju: r.dju,
    source: r.source,
    edited: true,
  });
  const ref = rows.find((r) => r.annee === null);
  const shipped = shippedReference().get(d);
  return {
    years: new Map(rows.filter((r) => r.annee !== null).map((r) => [r.annee!, value(r)])),
    reference: ref
      ? value(ref)
      : shipped
        ? { dju: shipped.dju, source: shipped.source, edited: false }
        : null,
  };
}

/**
 * Every value in use, by département then year (the reference first): the database rows and the
 * shipped references they do not override. With `dept`, that département's only.
 */
export async function listDegreeDays(db: Queryable, dept?: string): Promise<DegreeDaysRow[]> {
  const d = dept === undefined ? undefined : deptOf(dept);
  const rows = (
    await db.query<DbRow>(
      d === undefined ? ROW_SQL : `${ROW_SQL} WHERE code_departement_insee = $1`,
      d === undefined ? [] : [d],
    )
  ).map(fromDb);
  const overridden = new Set(rows.filter((r) => r.annee === null).map((r) => r.dept));
  for (const s of shippedReference().values())
    if ((d === undefined || s.dept === d) && !overridden.has(s.dept))
      rows.push({
        dept: s.dept,
        annee: null,
        dju: s.dju,
        source: s.source,
        edited: false,
        zone: s.zone,
        updatedBy: null,
        updatedAt: null,
      });
  return rows.sort(
    (a, b) =>
      (a.dept < b.dept ? -1 : a.dept > b.dept ? 1 : 0) ||
      (a.annee === null ? -1 : b.annee === null ? 1 : a.annee - b.annee),
  );
}

const UPSERT_SQL = `INSERT INTO copro.degree_days (code_departement_insee, annee, dju, source, updated_by)
  SELECT x.dept, x.annee, x.dju, x.source, $2
    FROM jsonb_to_recordset($1::jsonb) AS x(dept text, annee integer, dju double precision, source text)
  ON CONFLICT (code_departement_insee, (coalesce(annee, 0))) DO UPDATE
    SET dju = excluded.dju, source = excluded.source, updated_by = excluded.updated_by, updated_at = now()`;

async function upsert(db: Queryable, rows: readonly DegreeDaysInput[], updatedBy: string): Promise<void> {
  if (!updatedBy.trim()) throw new DegreeDaysInputError('updatedBy', 'say who writes the value');
  if (rows.length) await db.query(UPSERT_SQL, [JSON.stringify(rows), updatedBy]);
}

/** Enters (or replaces) one value, after checking it; returns the stored row. */
export async function setDegreeDays(
  db: Queryable,
  input: DegreeDaysInput,
  updatedBy: string,
): Promise<DegreeDaysRow> {
  const v = checkDegreeDaysInput(input);
  await upsert(db, [v], updatedBy);
  const [row] = await db.query<DbRow>(
    `${ROW_SQL} WHERE code_departement_insee = $1 AND coalesce(annee, 0) = $2`,
    [v.dept, v.annee ?? 0],
  );
  return fromDb(row!);
}

export interface MeteoImportOptions extends MeteoDjuOptions {
  /** Written in `updated_by` (default 'import'). */
  updatedBy?: string | undefined;
}

export interface MeteoImportSummary extends MeteoDjuResult {
  /** The values stored (upserted), by département then year, the reference first. */
  written: DegreeDaysInput[];
  /** Values computed but not stored, with the reason (e.g. 0 DJU overseas, a year before 1950). */
  notWritten: (DegreeDaysInput & { reason: string })[];
}

const METHOD = 'calcul BatID base 18 °C 1 oct–20 mai';
/** Files written by `batid synth` (src/synth/meteo.ts): never attributed to Météo-France. */
const SYNTHETIC_FILE = /^Q_[0-9AB]{2,3}_synth-/i;

/** Who the numbers come from: Météo-France, unless a file is BatID's synthetic weather. */
function provider(files: readonly string[]): string {
  return files.some((f) => SYNTHETIC_FILE.test(f))
    ? 'météo synthétique BatID (batid synth, format Météo-France), données quotidiennes'
    : 'Météo-France, données quotidiennes';
}

/**
 * `batid dju import`: reads Météo-France daily files (see meteo-dju.ts) and upserts each
 * département's yearly values and its reference in one transaction, each with a `source` that
 * names the files and the method.
 */
export async function importMeteoFranceDaily(
  store: Store,
  files: readonly string[],
  opts: MeteoImportOptions = {},
): Promise<MeteoImportSummary> {
  const p = opts.referencePeriod;
  if (
    p &&
    !(Number.isInteger(p[0]) && Number.isInteger(p[1]) && p[0] >= 1800 && p[0] <= p[1] && p[1] <= 2100)
  )
    throw new DegreeDaysInputError(
      'referencePeriod',
      `expected two years FROM-TO with FROM ≤ TO, got ${p.join('-')}`,
    );
  const result = await meteoDju(files, opts);
  const written: DegreeDaysInput[] = [];
  const notWritten: MeteoImportSummary['notWritten'] = [];
  const keep = (v: DegreeDaysInput) => {
    try {
      written.push(checkDegreeDaysInput(v));
    } catch (err) {
      if (!(err instanceof DegreeDaysInputError)) throw err;
      notWritten.push({ ...v, reason: err.message });
    }
  };
  for (const d of result.departements) {
    const names =
      d.files.length > 3
        ? `${d.files.slice(0, 2).join(', ')} et ${d.files.length - 2} autres`
        : d.files.join(', ');
    const from = `${provider(d.files)} ${names}`;
    if (d.reference) {
      const r = d.reference;
      const [a, b] = r.period ?? [r.years[0]!, r.years[r.years.length - 1]!];
      const span = r.period ? ` sur ${b - a + 1}` : '';
      keep({
        dept: d.dept,
        annee: null,
        dju: r.dju,
        source: `${from}, moyenne ${a}–${b} (${r.years.length} années complètes${span}), stations: ${r.stations}, ${METHOD}`,
      });
    }
    for (const y of d.years)
      keep({
        dept: d.dept,
        annee: y.year,
        dju: y.dju,
        source: `${from}, stations: ${y.stations}, ${METHOD}`,
      });
  }
  await store.transaction((tx) => upsert(tx, written, opts.updatedBy ?? 'import'));
  return { ...result, written, notWritten };
}
