import {
  checkDegreeDaysInput,
  DegreeDaysInputError,
  importMeteoFranceDaily,
  listDegreeDays,
  setDegreeDays,
  type DegreeDaysInput,
  type DegreeDaysRow,
  type MeteoImportSummary,
} from '../copro/degree-days.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';

const HELP = `usage: batid dju import FILE… [--reference-period 1991-2020]
       batid dju set --dept 03 (--year 2023 | --reference) --dju 2450 --source "…"
       batid dju list [--dept 03] [--format csv|json]
  Degree days (DJU, base 18 °C, 1 Jan–20 May + 1 Oct–31 Dec of each calendar year) per
  département, for the climate correction of heating bills. Values in the database override the
  shipped reference table (data/degree-days/reference.csv, indicative values per climate zone).
  import: Météo-France daily files (meteo.data.gouv.fr, « Données climatologiques de base –
    quotidiennes », Q_<dept>_…_RR-T-Vent.csv[.gz]): DJU per station and year (TN and TX on at
    least 95 % of the heating-season days), the mean of the stations per département and year,
    and the reference = the mean of the complete years (of --reference-period when given).
  set: enter or replace one value (a year's, or the reference with --reference).
  list: the values in use, with their source and whether they come from the database.
`;

/** How many skipped station-years and malformed lines are printed. */
const SHOWN = 10;

/** `batid dju import|set|list …` */
export async function runDju(
  args: string[],
  write: (text: string) => void = (t) => void process.stdout.write(t),
): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, {
    ...DB_OPTIONS,
    'reference-period': { type: 'string' },
    dept: { type: 'string' },
    year: { type: 'string' },
    reference: { type: 'boolean' },
    dju: { type: 'string' },
    source: { type: 'string' },
    format: { type: 'string', default: 'csv' },
  });
  const fail = (message: string) => {
    process.stderr.write(`batid dju: ${message}\n\n${HELP}`);
    return 2;
  };
  if (values.help || sub === 'help' || sub === '--help' || sub === '-h') {
    write(HELP);
    return 0;
  }
  if (sub !== 'import' && sub !== 'set' && sub !== 'list')
    return fail(`expected import, set or list, got ${sub ?? 'nothing'}`);

  let period: [number, number] | undefined;
  if (sub === 'import') {
    if (!positionals.length) return fail('import: name the Météo-France daily files to read');
    const p = values['reference-period'];
    if (p !== undefined) {
      const m = /^(\d{4})-(\d{4})$/.exec(p);
      if (!m || Number(m[1]) > Number(m[2]))
        return fail(`--reference-period: expected FROM-TO such as 1991-2020, got ${p}`);
      period = [Number(m[1]), Number(m[2])];
    }
  } else if (positionals.length) return fail(`${sub}: unexpected ${positionals.join(' ')}`);
  let input: DegreeDaysInput | undefined;
  if (sub === 'set') {
    if (values.dept === undefined) return fail('set: --dept is required');
    if ((values.year === undefined) === !values.reference)
      return fail('set: give either --year YYYY or --reference');
    if (values.year !== undefined && !/^\d{4}$/.test(values.year))
      return fail(`--year: expected a year such as 2023, got ${values.year}`);
    if (values.dju === undefined || !/^\d+(\.\d+)?$/.test(values.dju))
      return fail(`--dju: expected a number of degree days such as 2450, got ${values.dju ?? 'nothing'}`);
    if (values.source === undefined) return fail('set: --source is required (where the value comes from)');
    try {
      // checked before the database is opened
      input = checkDegreeDaysInput({
        dept: values.dept,
        annee: values.reference ? null : Number(values.year),
        dju: Number(values.dju),
        source: values.source,
      });
    } catch (err) {
      if (err instanceof DegreeDaysInputError) return fail(err.message);
      throw err;
    }
  }
  if (sub === 'list' && values.format !== 'csv' && values.format !== 'json')
    return fail(`--format: expected csv or json, got ${values.format}`);

  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    if (sub === 'import') {
      const s = await importMeteoFranceDaily(store, positionals, {
        referencePeriod: period,
        updatedBy: 'cli',
      });
      write(`${djuImportReport(s).join('\n')}\n`);
      return s.written.length ? 0 : 1;
    }
    if (sub === 'set') {
      const row = await setDegreeDays(store, input!, 'cli');
      write(`${row.dept} ${row.annee ?? 'référence'}: ${row.dju} DJU (${row.source}), stored\n`);
      return 0;
    }
    const rows = await listDegreeDays(store, values.dept);
    write(values.format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : degreeDaysCsv(rows));
    return 0;
  } catch (err) {
    if (err instanceof DegreeDaysInputError) return fail(err.message);
    throw err;
  } finally {
    await store.close();
  }
}

const csvField = (v: string | number | boolean | null) => {
  const s = v === null ? '' : String(v);
  return /[;"\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** `;`-separated, one line per value, the columns of `DegreeDaysRow`. */
export function degreeDaysCsv(rows: readonly DegreeDaysRow[]): string {
  const cols = ['dept', 'annee', 'dju', 'source', 'edited', 'zone', 'updatedBy', 'updatedAt'] as const;
  return [cols.join(';'), ...rows.map((r) => cols.map((c) => csvField(r[c])).join(';'))].join('\n') + '\n';
}

/** One line per département written, then what was refused, skipped or malformed. */
export function djuImportReport(s: MeteoImportSummary): string[] {
  const out: string[] = [];
  for (const f of s.files) if (f.error) out.push(`${f.file}: ${f.error}`);
  for (const d of s.departements) {
    const ys = d.years.map((y) => y.year);
    const ref = d.reference
      ? `reference ${d.reference.dju} (mean of ${d.reference.years.length} complete years${d.reference.period ? ` in ${d.reference.period.join('–')}` : ''})`
      : 'no reference: no complete year in the reference period';
    out.push(
      `${d.dept}: ${ys.length} years${ys.length ? ` (${ys[0]}–${ys[ys.length - 1]})` : ''} from ${d.stations} stations, ${ref}`,
    );
  }
  for (const n of s.notWritten)
    out.push(`not stored: ${n.dept} ${n.annee ?? 'reference'} = ${n.dju}: ${n.reason}`);
  if (s.unknownStations.length)
    out.push(
      `${s.unknownStations.length} stations of an unknown Corsican commune (2A or 2B?) left out: ${s.unknownStations
        .slice(0, SHOWN)
        .map((u) => u.station)
        .join(', ')}`,
    );
  if (s.skipped.length) {
    out.push(`${s.skipped.length} incomplete station-years skipped:`);
    for (const k of s.skipped.slice(0, SHOWN)) out.push(`  ${k.station} ${k.name} ${k.year}: ${k.reason}`);
    if (s.skipped.length > SHOWN) out.push(`  … and ${s.skipped.length - SHOWN} more`);
  }
  if (s.withoutTemperature)
    out.push(`${s.withoutTemperature} station-years without any TN/TX (rain-only stations) ignored`);
  if (s.malformed.count) {
    out.push(
      `${s.malformed.count} malformed lines ignored${s.malformed.count > s.malformed.first.length ? ', the first ones' : ''}:`,
    );
    for (const m of s.malformed.first.slice(0, SHOWN))
      out.push(`  ${m.file}:${m.line}: ${m.column}: ${m.message}`);
  }
  out.push(`${s.written.length} values stored in copro.degree_days`);
  return out;
}

/** The one line `batid demo` prints. */
export function djuDemoLine(s: MeteoImportSummary, file: string): string {
  const d = s.departements[0];
  if (!d) return `degree days: nothing read from ${file}`;
  return (
    `degree days of ${d.dept}: ${d.years.length} years from ${file}` +
    `${d.reference ? `, reference ${d.reference.dju}` : ''} (${s.skipped.length} incomplete station-years skipped)`
  );
}
