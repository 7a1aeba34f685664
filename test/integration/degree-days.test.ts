import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DegreeDaysInputError,
  degreeDaysFor,
  importMeteoFranceDaily,
  listDegreeDays,
  setDegreeDays,
  type DegreeDaysRow,
} from '../../src/copro/degree-days.js';
import { shippedReference } from '../../src/copro/degree-days-reference.js';
import { degreeDaysCsv } from '../../src/cli/dju-command.js';
import { meteoFileName, synthMeteoText } from '../../src/synth/meteo.js';
import { syntheticWorld } from '../../src/synth/synthesize.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { batidCli } from '../helpers/cli.js';

// the synthetic file is never attributed to Météo-France
const METHOD =
  /^météo synthétique BatID \(batid synth, format Météo-France\), données quotidiennes Q_03_synth-2014-2025_RR-T-Vent\.csv\.gz, .*stations: \d, calcul BatID base 18 °C 1 oct–20 mai$/;

for (const make of backends()) {
  describe(`degree days [${make().name}]`, () => {
    let backend: Backend;
    let store: Store;
    let dir: string;
    let weather: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-dju-'));
      weather = join(dir, meteoFileName('03'));
      const { towns } = syntheticWorld({ dept: '03', scale: 0.02, seed: 1 });
      await writeFile(weather, gzipSync(synthMeteoText(towns, '03', 1)));
      backend = make();
      store = await backend.open();
    });
    after(async () => {
      await store?.close().catch(() => undefined);
      await backend?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('before any import: the shipped reference, no yearly value', async () => {
      const v = await degreeDaysFor(store, '03', 2023);
      assert.equal(v.year, null);
      assert.deepEqual(v.reference, {
        dju: shippedReference().get('03')!.dju,
        source: shippedReference().get('03')!.source,
        edited: false,
      });
      const all = await listDegreeDays(store);
      assert.equal(all.length, 96);
      assert.ok(all.every((r) => !r.edited && r.annee === null && r.updatedBy === null));
      assert.equal((await degreeDaysFor(store, '971', 2023)).reference, null);
    });

    test('importing the synthetic Météo-France file: 12 years and a reference that override the shipped table', async () => {
      const s = await importMeteoFranceDaily(store, [weather]);
      assert.equal(s.malformed.count, 0);
      assert.deepEqual(
        s.skipped.map((k) => `${k.station.slice(5)} ${k.year}`).sort(),
        ['002 2019', '003 2016'], // station 2's January gap, station 3 opening in June
      );
      assert.equal(s.written.length, 13);
      const rows = await listDegreeDays(store, '03');
      assert.deepEqual(
        rows.map((r) => r.annee),
        [null, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025],
      );
      for (const r of rows) {
        assert.equal(r.edited, true);
        assert.equal(r.updatedBy, 'import');
        assert.equal(r.zone, 'H1c');
        assert.match(r.updatedAt!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.match(r.source, METHOD);
        assert.ok(r.dju > 1800 && r.dju < 3400, `${r.annee}: ${r.dju}`);
      }
      assert.match(rows[0]!.source, /moyenne 2014–2025 \(12 années complètes\), stations: 3/);
      assert.match(rows.find((r) => r.annee === 2019)!.source, /stations: 2,/);
      // the years vary
      assert.ok(new Set(rows.map((r) => Math.round(r.dju / 50))).size > 4);

      const v = await degreeDaysFor(store, '3', 2023);
      assert.equal(v.year!.edited, true);
      assert.equal(v.year!.dju, rows.find((r) => r.annee === 2023)!.dju);
      assert.equal(v.reference!.edited, true);
      assert.equal(v.reference!.dju, rows[0]!.dju);
      assert.notEqual(v.reference!.dju, shippedReference().get('03')!.dju);
      // the other départements keep the shipped reference
      const all = await listDegreeDays(store);
      assert.equal(all.length, 96 + 12);
      assert.equal(all.find((r) => r.dept === '63')!.edited, false);
    });

    test('a reference period; a rerun replaces, never duplicates', async () => {
      const s = await importMeteoFranceDaily(store, [weather], { referencePeriod: [2015, 2020] });
      const years = s.departements[0]!.years.filter((y) => y.year >= 2015 && y.year <= 2020);
      const mean = Math.round((years.reduce((a, y) => a + y.dju, 0) / years.length) * 10) / 10;
      const ref = await degreeDaysFor(store, '03', 2000);
      assert.equal(ref.year, null);
      assert.equal(ref.reference!.dju, mean);
      assert.match(ref.reference!.source, /moyenne 2015–2020 \(6 années complètes sur 6\)/);
      const [count] = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM copro.degree_days');
      assert.equal(count!.n, 13);
    });

    test('set: a value entered by hand replaces the imported one; list shows who wrote it', async () => {
      const row = await setDegreeDays(
        store,
        { dept: '03', annee: 2023, dju: 2450, source: 'relevé de la station de Vichy' },
        'cli',
      );
      assert.deepEqual({ ...row, updatedAt: null }, {
        dept: '03',
        annee: 2023,
        dju: 2450,
        source: 'relevé de la station de Vichy',
        edited: true,
        zone: 'H1c',
        updatedBy: 'cli',
        updatedAt: null,
      } satisfies DegreeDaysRow);
      await setDegreeDays(store, { dept: '2a', annee: null, dju: 1400.5, source: 'COSTIC' }, 'key-1');
      assert.deepEqual(await degreeDaysFor(store, '2A', 2023), {
        year: null,
        reference: { dju: 1400.5, source: 'COSTIC', edited: true },
      });
      assert.equal((await degreeDaysFor(store, '03', 2023)).year!.dju, 2450);
      // the CSV of `batid dju list`
      assert.match(
        degreeDaysCsv(await listDegreeDays(store, '75')),
        /^dept;annee;dju;source;edited;zone;updatedBy;updatedAt\n75;;2400;valeur indicative.*;false;H1a;;\n$/,
      );
      const [two] = await listDegreeDays(store, '2A');
      assert.equal(two!.updatedBy, 'key-1');
      assert.equal((await listDegreeDays(store)).length, 96 + 12);
    });

    test('validation errors name the field and write nothing', async () => {
      const bad: [Parameters<typeof setDegreeDays>[1], string][] = [
        [{ dept: '20', annee: 2023, dju: 2000, source: 's' }, 'dept'],
        [{ dept: '00', annee: 2023, dju: 2000, source: 's' }, 'dept'],
        [{ dept: '03', annee: new Date().getUTCFullYear() + 1, dju: 2000, source: 's' }, 'annee'],
        [{ dept: '03', annee: 1949, dju: 2000, source: 's' }, 'annee'],
        [{ dept: '03', annee: 2023, dju: 0, source: 's' }, 'dju'],
        [{ dept: '03', annee: 2023, dju: 6500, source: 's' }, 'dju'],
        [{ dept: '03', annee: 2023, dju: 2000, source: '' }, 'source'],
      ];
      for (const [input, field] of bad)
        await assert.rejects(
          setDegreeDays(store, input, 'cli'),
          (err: unknown) => err instanceof DegreeDaysInputError && err.field === field,
          JSON.stringify(input),
        );
      await assert.rejects(degreeDaysFor(store, 'xx', 2023), DegreeDaysInputError);
      await assert.rejects(
        importMeteoFranceDaily(store, [weather], { referencePeriod: [2020, 2010] }),
        (err: unknown) => err instanceof DegreeDaysInputError && err.field === 'referencePeriod',
      );
      assert.equal((await degreeDaysFor(store, '03', 2023)).year!.dju, 2450);
    });

    test('a real Météo-France file is attributed to Météo-France; Corsica by the station commune', async () => {
      const lines = ['NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;HTN;QHTN;TX;QTX'];
      for (
        let d = new Date(Date.UTC(2022, 0, 1));
        d.getUTCFullYear() === 2022;
        d.setUTCDate(d.getUTCDate() + 1)
      )
        lines.push(
          `20004002;AJACCIO;41.9;8.8;5;${d.toISOString().slice(0, 10).replace(/-/g, '')};0;1;8;1;;;14;1`,
        );
      const file = join(dir, 'Q_20_previous-1950-2023_RR-T-Vent.csv');
      await writeFile(file, lines.join('\n'));
      const s = await importMeteoFranceDaily(store, [file], { updatedBy: 'test' });
      assert.deepEqual(
        s.written.map((w) => [w.dept, w.annee, w.dju]),
        [
          ['2A', null, 7 * 232],
          ['2A', 2022, 7 * 232],
        ],
      );
      const v = await degreeDaysFor(store, '2A', 2022);
      assert.equal(
        v.year!.source,
        'Météo-France, données quotidiennes Q_20_previous-1950-2023_RR-T-Vent.csv, stations: 1, calcul BatID base 18 °C 1 oct–20 mai',
      );
    });

    test('CLI: dju import, set, list; bad options exit 2', async () => {
      await store.close();
      const cli = (...a: string[]) => batidCli(backend, 'dju', a);
      const imp = cli('import', weather, join(dir, 'nothing.csv'), '--reference-period', '2016-2025');
      assert.equal(imp.status, 0, imp.stderr);
      assert.match(imp.stdout, /^nothing\.csv: cannot be read/m);
      assert.match(
        imp.stdout,
        /^03: 12 years \(2014–2025\) from 3 stations, reference [\d.]+ \(mean of 10 complete years in 2016–2025\)$/m,
      );
      assert.match(imp.stdout, /^2 incomplete station-years skipped:$/m);
      assert.match(imp.stdout, /^ {2}03\d{3}002 \S+ 2019: TN and TX on 2\d\d of 232 heating-season days/m);
      assert.match(imp.stdout, /^13 values stored in copro\.degree_days$/m);

      const set = cli('set', '--dept', '03', '--year', '2024', '--dju', '2399.5', '--source', 'saisie');
      assert.equal(set.status, 0, set.stderr);
      const list = cli('list', '--dept', '03', '--format', 'json');
      assert.equal(list.status, 0, list.stderr);
      const rows = JSON.parse(list.stdout) as DegreeDaysRow[];
      assert.equal(rows.length, 13);
      assert.deepEqual(
        { ...rows.find((r) => r.annee === 2024)!, updatedAt: null },
        {
          dept: '03',
          annee: 2024,
          dju: 2399.5,
          source: 'saisie',
          edited: true,
          zone: 'H1c',
          updatedBy: 'cli',
          updatedAt: null,
        },
      );
      assert.equal(rows[0]!.updatedBy, 'cli');

      for (const [a, message] of [
        [['set', '--dept', '03', '--dju', '2000', '--source', 's'], /either --year YYYY or --reference/],
        [
          ['set', '--dept', '99', '--reference', '--dju', '2000', '--source', 's'],
          /dept: unknown département/,
        ],
        [
          ['set', '--dept', '03', '--year', '2023', '--dju', '7000', '--source', 's'],
          /dju: expected degree days/,
        ],
        [['import', weather, '--reference-period', '2020'], /--reference-period: expected FROM-TO/],
        [['list', '--format', 'xml'], /--format: expected csv or json/],
        [['frob'], /expected import, set or list/],
      ] as [string[], RegExp][]) {
        const r = cli(...a);
        assert.equal(r.status, 2, a.join(' '));
        assert.match(r.stderr, message);
      }
    });
  });
}
