import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DjuAccumulator,
  dayOfYear,
  djuByYear,
  djuOfDay,
  heatingSeasonDays,
  isHeatingSeasonDay,
  meanByYear,
  referenceDju,
} from '../../src/copro/dju.js';
import {
  deptOfMeteoFile,
  deptOfStation,
  parseMeteoHeader,
  parseMeteoLine,
  type MeteoColumns,
} from '../../src/copro/meteo-daily.js';
import { meteoDju } from '../../src/copro/meteo-dju.js';
import { parseReferenceCsv, shippedReference } from '../../src/copro/degree-days-reference.js';
import { checkDegreeDaysInput, DegreeDaysInputError } from '../../src/copro/degree-days.js';
import { highAltitudeBounds } from '../../src/renovation/dpe-class.js';
import { synthMeteoText } from '../../src/synth/meteo.js';
import { syntheticWorld } from '../../src/synth/synthesize.js';

const HEADER = 'NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;HTN;QHTN;TX;QTX;HTX;QHTX';
const line = (station: string, date: string, tn: string, tx: string) =>
  `${station};MOULINS;46.5;3.3;220;${date};0.0;1;${tn};1;0600;9;${tx};1;1500;9`;

/** Every day of `year` for one station, TN/TX given per date (null = empty). */
function yearLines(
  station: string,
  year: number,
  temps: (iso: string) => [number | null, number | null] = () => [2, 8],
): string[] {
  const out: string[] = [];
  for (
    let d = new Date(Date.UTC(year, 0, 1));
    d.getUTCFullYear() === year;
    d.setUTCDate(d.getUTCDate() + 1)
  ) {
    const iso = d.toISOString().slice(0, 10);
    const [tn, tx] = temps(iso);
    out.push(
      line(station, iso.replace(/-/g, ''), tn === null ? '' : String(tn), tx === null ? '' : String(tx)),
    );
  }
  return out;
}

describe('daily degree days', () => {
  // (tmin, tmax) → DJU
  const cases: [number, number, number][] = [
    [2, 8, 13],
    [-5.5, 0.5, 20.5],
    [10, 26, 0], // mean 18: nothing
    [15, 25, 0], // above 18: never negative
    [17.9, 18, 0.05],
  ];
  for (const [tn, tx, want] of cases)
    test(`TN ${tn}, TX ${tx} → ${want}`, () => assert.ok(Math.abs(djuOfDay(tn, tx) - want) < 1e-9));

  test('heating season: 1 Jan – 20 May and 1 Oct – 31 Dec, both ends included', () => {
    const table: [number, number, boolean][] = [
      [1, 1, true],
      [5, 20, true],
      [5, 21, false],
      [7, 14, false],
      [9, 30, false],
      [10, 1, true],
      [12, 31, true],
    ];
    for (const [m, d, want] of table) assert.equal(isHeatingSeasonDay(m, d), want, `${d}/${m}`);
    assert.equal(heatingSeasonDays(2023), 232);
    assert.equal(heatingSeasonDays(2024), 233);
    assert.equal(heatingSeasonDays(1900), 232);
    assert.equal(heatingSeasonDays(2000), 233);
  });

  test('dates: 29 February only in leap years', () => {
    assert.equal(dayOfYear(2024, 2, 29), 59);
    assert.equal(dayOfYear(2023, 2, 29), -1);
    assert.equal(dayOfYear(2023, 12, 31), 364);
    assert.equal(dayOfYear(2024, 12, 31), 365);
    assert.equal(dayOfYear(2023, 4, 31), -1);
  });
});

describe('yearly degree days', () => {
  const days = (year: number, f: (iso: string) => [number | null, number | null]) => {
    const out = [];
    for (
      let d = new Date(Date.UTC(year, 0, 1));
      d.getUTCFullYear() === year;
      d.setUTCDate(d.getUTCDate() + 1)
    ) {
      const date = d.toISOString().slice(0, 10);
      const [tmin, tmax] = f(date);
      out.push({ date, tmin, tmax });
    }
    return out;
  };

  test('sums the heating-season days of the calendar year only (20 May and 1 Oct counted)', () => {
    // 13 DJU on every heating day, a 30 °C summer: 13 × 232
    const [y] = djuByYear(days(2023, () => [2, 8]));
    assert.deepEqual(
      { year: y!.year, dju: y!.dju, days: y!.days, complete: y!.complete },
      { year: 2023, dju: 13 * 232, days: 232, complete: true },
    );
    // only the boundary days are cold: 20 May, 1 Oct → 2 × 18; 21 May, 30 Sep are not counted
    const cold = new Set(['2023-05-20', '2023-10-01', '2023-05-21', '2023-09-30']);
    const [b] = djuByYear(days(2023, (iso) => (cold.has(iso) ? [0, 0] : [18, 18])));
    assert.equal(b!.dju, 36);
  });

  test('29 February counts in a leap year', () => {
    const [y] = djuByYear(days(2024, (iso) => (iso === '2024-02-29' ? [-2, 2] : [18, 18])));
    assert.equal(y!.seasonDays, 233);
    assert.equal(y!.days, 233);
    assert.equal(y!.dju, 18);
  });

  test('a year under 95 % of its heating days is incomplete; a few gaps are scaled up', () => {
    // 12 days missing of 232 (94.8 %): incomplete
    const [bad] = djuByYear(days(2023, (iso) => (iso <= '2023-01-12' ? [null, 8] : [2, 8])));
    assert.equal(bad!.days, 220);
    assert.equal(bad!.complete, false);
    assert.equal(bad!.dju, null);
    // 11 missing (95.3 %): complete, the mean day × 232
    const [ok] = djuByYear(days(2023, (iso) => (iso <= '2023-01-11' ? [2, null] : [2, 8])));
    assert.equal(ok!.days, 221);
    assert.equal(ok!.complete, true);
    assert.equal(ok!.dju, 13 * 232);
  });

  test('the same day twice is counted once', () => {
    const acc = new DjuAccumulator();
    assert.equal(acc.add('s', 2023, 1, 10, 0, 0), 'counted');
    assert.equal(acc.add('s', 2023, 1, 10, 0, 0), 'duplicate');
    assert.equal(acc.add('s', 2023, 7, 10, 0, 0), 'off_season');
    assert.equal(acc.add('s', 2023, 2, 29, 0, 0), 'invalid_date');
    assert.equal(acc.results(0)[0]!.dju, Math.round(18 * 232 * 10) / 10);
  });

  test('per year: mean of the complete stations; reference: mean of the years of a period', () => {
    const years = meanByYear([
      { year: 2020, dju: 2000 },
      { year: 2020, dju: 2200 },
      { year: 2020, dju: null },
      { year: 2021, dju: 2500 },
    ]);
    assert.deepEqual(years, [
      { year: 2020, dju: 2100, stations: 2 },
      { year: 2021, dju: 2500, stations: 1 },
    ]);
    assert.deepEqual(referenceDju(years), { dju: 2300, years: [2020, 2021] });
    assert.deepEqual(referenceDju(years, [2021, 2030]), { dju: 2500, years: [2021] });
    assert.equal(referenceDju(years, [1991, 2020 - 1]), null);
  });
});

describe('Météo-France daily layout', () => {
  const cols = parseMeteoHeader(HEADER) as MeteoColumns;

  test('header: the columns by name; a file of another layout is refused', () => {
    assert.equal(cols.tn, 8);
    assert.equal(cols.tx, 12);
    const bad = parseMeteoHeader('NUM_POSTE;AAAAMMJJ;RR');
    assert.ok('error' in bad && /lacks TN, TX/.test(bad.error));
  });

  test('lines: values, empty temperatures, and the column of the first bad field', () => {
    assert.deepEqual(parseMeteoLine(line('03060001', '20240229', '-3.5', ''), cols), {
      ok: true,
      station: '03060001',
      name: 'MOULINS',
      year: 2024,
      month: 2,
      day: 29,
      tmin: -3.5,
      tmax: null,
    });
    const table: [string, string][] = [
      [line('0306001', '20240101', '1', '2'), 'NUM_POSTE'],
      [line('03060001', '20230229', '1', '2'), 'AAAAMMJJ'],
      [line('03060001', '2024-01-01', '1', '2'), 'AAAAMMJJ'],
      [line('03060001', '20240101', '1,5', '2'), 'TN'],
      [line('03060001', '20240101', '1', 'abc'), 'TX'],
      [line('03060001', '20240101', '1', '99'), 'TX'],
      ['03060001;MOULINS;46.5;3.3;220;20240101;0.0', 'QRR'],
    ];
    for (const [l, column] of table) {
      const r = parseMeteoLine(l, cols);
      assert.ok(!r.ok && r.column === column, `${l} → ${JSON.stringify(r)}`);
    }
  });

  test('département: file name, station number (Corsica by commune, overseas 3 digits)', () => {
    assert.equal(deptOfMeteoFile('Q_03_previous-1950-2023_RR-T-Vent.csv.gz'), '03');
    assert.equal(deptOfMeteoFile('Q_974_latest-2024-2025_RR-T-Vent.csv.gz'), '974');
    assert.equal(deptOfMeteoFile('data.csv'), null);
    assert.equal(deptOfStation('03060001'), '03');
    assert.equal(deptOfStation('97411001'), '974');
    assert.equal(deptOfStation('20004002'), '2A'); // Ajaccio
    assert.equal(deptOfStation('20148001'), '2B'); // Bastia
  });
});

describe('reading daily files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batid-dju-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('gzip and plain files give the same values; incomplete station-years and malformed lines are reported', async () => {
    const lines = [
      HEADER,
      ...yearLines('03060001', 2022),
      ...yearLines('03060001', 2023, (iso) => [iso === '2023-01-02' ? 0 : 2, 8]),
      // a second station, 2022 complete at 3 DJU a day; 2023 with a month of gaps
      ...yearLines('03099002', 2022, () => [10, 20]),
      ...yearLines('03099002', 2023, (iso) => (iso.startsWith('2023-02') ? [null, null] : [10, 20])),
      // a rain-only station
      ...yearLines('03200003', 2023, () => [null, null]),
    ];
    lines.splice(10, 0, line('03060001', '20220199', '1', '2')); // line 11
    lines.splice(20, 0, line('03060001', '20220115', 'x', '2')); // line 21
    lines.splice(30, 0, 'garbage'); // line 31
    const text = `${lines.join('\n')}\n`;
    const plain = join(dir, 'Q_03_test_RR-T-Vent.csv');
    const gz = join(dir, 'Q_03_test_RR-T-Vent.csv.gz');
    await writeFile(plain, text);
    await writeFile(gz, gzipSync(text));

    const a = await meteoDju([plain]);
    const b = await meteoDju([gz]);
    const noFiles = (r: typeof a) => r.departements.map(({ files: _, ...d }) => d);
    assert.deepEqual(noFiles(b), noFiles(a));
    assert.deepEqual(b.departements[0]!.files, ['Q_03_test_RR-T-Vent.csv.gz']);
    const [d] = a.departements;
    assert.equal(d!.dept, '03');
    assert.deepEqual(d!.years, [
      { year: 2022, dju: (13 * 232 + 3 * 232) / 2, stations: 2 },
      { year: 2023, dju: 13 * 232 + 1, stations: 1 },
    ]);
    assert.deepEqual(d!.reference, {
      dju: ((13 * 232 + 3 * 232) / 2 + 13 * 232 + 1) / 2,
      years: [2022, 2023],
      period: null,
      stations: 2,
    });

    assert.equal(a.skipped.length, 1);
    assert.equal(a.skipped[0]!.station, '03099002');
    assert.equal(a.skipped[0]!.year, 2023);
    assert.match(a.skipped[0]!.reason, /204 of 232 heating-season days \(88 %, 95 % needed\)/);
    assert.equal(a.withoutTemperature, 1);

    assert.equal(a.malformed.count, 3);
    assert.deepEqual(
      a.malformed.first.map((m) => [m.file, m.line, m.column]),
      [
        ['Q_03_test_RR-T-Vent.csv', 11, 'AAAAMMJJ'],
        ['Q_03_test_RR-T-Vent.csv', 21, 'TN'],
        ['Q_03_test_RR-T-Vent.csv', 31, 'NOM_USUEL'],
      ],
    );
  });

  test('a station-year repeated across files is counted once, the repeats reported; bad files do not stop the others', async () => {
    const one = join(dir, 'Q_03_a.csv');
    const two = join(dir, 'Q_03_b.csv');
    const other = join(dir, 'other.csv');
    const broken = join(dir, 'Q_03_broken.csv.gz');
    await writeFile(one, [HEADER, ...yearLines('03060001', 2022)].join('\n'));
    await writeFile(two, [HEADER, ...yearLines('03060001', 2022).slice(0, 3)].join('\r\n'));
    await writeFile(other, 'a;b;c\n1;2;3\n');
    const whole = gzipSync(`${HEADER}\n${yearLines('03060001', 2023).join('\n')}`);
    await writeFile(broken, whole.subarray(0, whole.length >> 1));
    const r = await meteoDju([one, two, other, broken, join(dir, 'missing.csv')]);
    assert.deepEqual(r.departements[0]!.years, [{ year: 2022, dju: 13 * 232, stations: 1 }]);
    assert.equal(r.malformed.count, 3);
    assert.ok(r.malformed.first.every((m) => m.file === 'Q_03_b.csv' && m.column === 'AAAAMMJJ'));
    const errors = Object.fromEntries(r.files.map((f) => [f.file, f.error]));
    assert.equal(errors['Q_03_a.csv'], null);
    assert.match(errors['other.csv']!, /not a Météo-France daily file/);
    assert.match(errors['Q_03_broken.csv.gz']!, /read stopped at line \d+/);
    assert.match(errors['missing.csv']!, /cannot be read/);
  });

  test('--reference-period: only its complete years', async () => {
    const f = join(dir, 'Q_03_period.csv');
    await writeFile(
      f,
      [HEADER, ...yearLines('03060001', 2019, () => [0, 0]), ...yearLines('03060001', 2020)].join('\n'),
    );
    const r = await meteoDju([f], { referencePeriod: [2020, 2049] });
    assert.deepEqual(r.departements[0]!.reference, {
      dju: 13 * 233,
      years: [2020],
      period: [2020, 2049],
      stations: 1,
    });
  });
});

describe('shipped reference table', () => {
  test('one row per metropolitan département, zones consistent with the DPE altitude rule', () => {
    const ref = shippedReference();
    assert.equal(ref.size, 96);
    assert.ok(!ref.has('20'));
    for (const [dept, r] of ref) {
      assert.equal(highAltitudeBounds(dept, 900), ['H1b', 'H1c', 'H2d'].includes(r.zone), dept);
      assert.ok(r.dju > 1000 && r.dju < 4000, dept);
      assert.match(r.source, /indicative/);
      assert.doesNotMatch(r.source, /^Météo-France/);
    }
  });

  test('a bad row says its line', () => {
    const head = 'code_departement;zone_climatique;dju_reference;source\n';
    assert.throws(
      () => parseReferenceCsv(`${head}03;H1c;2600;x\n04;H9;2200;x\n`, 'r.csv'),
      /r\.csv:3: zone_climatique/,
    );
    assert.throws(() => parseReferenceCsv(`${head}20;H3;1500;x\n`, 'r.csv'), /r\.csv:2: code_departement/);
    assert.throws(() => parseReferenceCsv(`${head}03;H1c;-1;x\n`, 'r.csv'), /dju_reference/);
  });
});

describe('degree-days input', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const ok = { dept: '3', annee: 2023, dju: 2450, source: ' relevé ' };
  test('normalised when valid', () => {
    assert.deepEqual(checkDegreeDaysInput(ok, now), { dept: '03', annee: 2023, dju: 2450, source: 'relevé' });
    assert.equal(checkDegreeDaysInput({ ...ok, annee: null }, now).annee, null);
  });
  const bad: [Partial<typeof ok> & { annee?: number | null }, string, RegExp][] = [
    [{ dept: '20' }, 'dept', /unknown département/],
    [{ dept: '99' }, 'dept', /unknown département/],
    [{ annee: 2027 }, 'annee', /in the future/],
    [{ annee: 1949 }, 'annee', /1950…2026/],
    [{ annee: 2023.5 }, 'annee', /expected a year/],
    [{ dju: 0 }, 'dju', /\(0, 6000\]/],
    [{ dju: 6001 }, 'dju', /\(0, 6000\]/],
    [{ dju: Number.NaN }, 'dju', /\(0, 6000\]/],
    [{ source: '  ' }, 'source', /where the value comes from/],
  ];
  for (const [patch, field, message] of bad)
    test(`${JSON.stringify(patch)} → ${field}`, () => {
      assert.throws(
        () => checkDegreeDaysInput({ ...ok, ...patch }, now),
        (err: unknown) =>
          err instanceof DegreeDaysInputError && err.field === field && message.test(err.message),
      );
    });
});

describe('synthetic weather', () => {
  test('same seed, same text; plausible, with a few gaps', async () => {
    const { towns } = syntheticWorld({ dept: '03', scale: 0.02, seed: 1 });
    const a = synthMeteoText(towns, '03', 1);
    assert.equal(synthMeteoText(towns, '03', 1), a);
    assert.notEqual(synthMeteoText(towns, '03', 2), a);
    const lines = a.trimEnd().split('\n');
    const cols = parseMeteoHeader(lines[0]!) as MeteoColumns;
    assert.equal(cols.names.length, 58);
    let empty = 0;
    for (const l of lines.slice(1)) {
      assert.equal(l.split(';').length, 58);
      const r = parseMeteoLine(l, cols);
      assert.ok(r.ok, l);
      if (r.tmin === null || r.tmax === null) empty++;
      else assert.ok(r.tmin <= r.tmax && r.tmin > -30 && r.tmax < 45, l);
    }
    assert.ok(empty > 22 && empty < 200, `${empty} empty days`);
  });
});
