import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb, summaryLine, type ImportSummary } from '../../src/ingest/import-dir.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { bdnbChecksums } from '../helpers/db-checksum.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'quirks');

/** Every reject reason and warning of the fixture files: file, line, column, severity, reason. */
const EXPECTED_REJECTS: [string, number, number | '', string, RegExp][] = [
  ['batiment_groupe.csv', 5, 1, 'warning', /degenerate polygon/],
  ['batiment_groupe.csv', 7, 1, 'rejected', /WKT: invalid WKT: expected a number at character 61/],
  ['batiment_groupe.csv', 8, 8, 'rejected', /s_geom_groupe: expected a number, got "cent"/],
  ['batiment_groupe.csv', 9, '', 'rejected', /expected 11 columns, got 5/],
  ['batiment_groupe.csv', 10, 7, 'rejected', /libelle_commune_insee: invalid UTF-8/],
  ['batiment_groupe.csv', 11, 1, 'rejected', /expected a \(MULTI\)POLYGON, got POINT/],
  [
    'batiment_groupe.csv',
    12,
    '',
    'duplicate',
    /duplicate key \(batiment_groupe_id\) = \(bdnb-bg-1111-AAAA-BBBB\): line 2 kept/,
  ],
  ['batiment_groupe.csv', 13, 9, 'rejected', /contient_fictive_geom_groupe: expected a boolean/],
  ['batiment_groupe.csv', 14, 1, 'rejected', /neither Lambert-93/],
  ['batiment_groupe.csv', 15, 2, 'rejected', /batiment_groupe_id: empty, but it is the key/],
  ['adresse.csv', 4, '', 'duplicate', /line 3 kept/],
  ['batiment_groupe_dpe_representatif_logement.csv', 4, 6, 'rejected', /no such date: "2023-02-30"/],
];

function parseRejects(text: string): string[][] {
  // the rejects file is plain CSV; the fixture reasons hold no newline
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const out: string[] = [];
      let cur = '';
      let q = false;
      for (let i = 0; i < l.length; i++) {
        const c = l[i]!;
        if (q) {
          if (c === '"' && l[i + 1] === '"') {
            cur += '"';
            i++;
          } else if (c === '"') q = false;
          else cur += c;
        } else if (c === '"') q = true;
        else if (c === ',') {
          out.push(cur);
          cur = '';
        } else cur += c;
      }
      out.push(cur);
      return out;
    });
}

for (const make of backends()) {
  describe(`import of hand-written quirk fixtures [${make().name}]`, () => {
    let backend: Backend;
    let store: Store;
    let dir: string;
    let summary: ImportSummary;

    before(async () => {
      backend = make();
      store = await backend.open();
      dir = await mkdtemp(join(tmpdir(), 'batid-rejects-'));
      summary = await importBdnb(store, BDNB_TABLES, {
        paths: [FIXTURES],
        rejectsPath: join(dir, 'rejects.csv'),
      });
    });
    after(async () => {
      await backend.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    test('one summary line per table, unknown table reported not fatal', () => {
      const lines = Object.fromEntries(summary.files.map((f) => [f.table, summaryLine(f)]));
      assert.match(
        lines.batiment_groupe!,
        /^batiment_groupe: 6 imported, 8 rejected, 1 duplicate merged, 1 warning, 1 geometry made valid, 1 reprojected from WGS84/,
      );
      assert.match(lines.adresse!, /^adresse: 2 imported, 0 rejected, 1 duplicate merged/);
      assert.match(
        lines.batiment_groupe_dpe_representatif_logement!,
        /^batiment_groupe_dpe_representatif_logement: 2 imported, 1 rejected/,
      );
      assert.match(
        lines.rel_batiment_groupe_adresse!,
        /3 imported, 0 rejected, 1 cle_interop_adr not found in adresse \(warning\)/,
      );
      assert.deepEqual(
        summary.unknownFiles.map((u) => u.file),
        ['adresse_copie.csv', 'table_inconnue.csv', 'verite_terrain.csv'],
      );
      // a second file for a table already in the import is set aside, not raced into it
      assert.match(summary.unknownFiles[0]!.reason, /adresse\.csv is already table adresse in this import/);
      // a file that merely has a batiment_groupe_id column is not guessed to be a thematic table
      assert.match(summary.unknownFiles[2]!.reason, /not a known BDNB table/);
    });

    test('every reject and warning says file, line, column and reason', async () => {
      const rows = parseRejects(await readFile(join(dir, 'rejects.csv'), 'utf8'));
      assert.equal(rows.length, EXPECTED_REJECTS.length);
      for (const [file, line, column, severity, reason] of EXPECTED_REJECTS) {
        const hit = rows.find((r) => r[0] === file && r[1] === String(line));
        assert.ok(hit, `${file}:${line} missing from the rejects file`);
        assert.equal(hit[2], String(column), `${file}:${line} column`);
        assert.equal(hit[3], severity, `${file}:${line} severity`);
        assert.match(hit[4]!, reason);
        if (severity !== 'warning') assert.ok(hit[5]!.length > 10, 'the raw line is kept so it can be fixed');
      }
      // the raw text is the file's own line, quotes included
      const bad = rows.find((r) => r[1] === '8')!;
      assert.match(bad[5]!, /,"03","03185",/);
    });

    test('codes stay text, flags become booleans, numbers numbers, unknown columns go to extra', async () => {
      const r = await store.query(
        `SELECT batiment_groupe_id, code_departement_insee, code_commune_insee, code_epci_insee, s_geom_groupe,
                contient_fictive_geom_groupe AS fictive, quartier_prioritaire AS qp, extra
           FROM bdnb.batiment_groupe ORDER BY batiment_groupe_id`,
      );
      const byId = Object.fromEntries(r.map((x) => [x.batiment_groupe_id, x]));
      assert.deepEqual(byId['bdnb-bg-1111-AAAA-BBBB'], {
        batiment_groupe_id: 'bdnb-bg-1111-AAAA-BBBB',
        code_departement_insee: '03',
        code_commune_insee: '03185',
        code_epci_insee: '200071140',
        s_geom_groupe: 100,
        fictive: false,
        qp: true,
        extra: { champ_inconnu: 'valeur libre' },
      });
      assert.equal(byId['uf031850231485_e535573d3dfc10a']!.fictive, true, 't → true');
      assert.equal(byId['uf031850231485_e535573d3dfc10a']!.qp, false, 'f → false');
      assert.equal(byId['bdnb-bg-DDDD-AAAA-BBBB']!.code_departement_insee, '03', '"3" normalised to "03"');
      assert.equal(byId['bdnb-bg-DDDD-AAAA-BBBB']!.s_geom_groupe, 17, 'float noise on an integer rounded');
      assert.equal(byId['bdnb-bg-2222-AAAA-BBBB']!.extra, null);
    });

    test('geometries: polygon made multi, bow-tie made valid, WGS84 reprojected, flat polygon emptied', async () => {
      const r = await store.query<{
        id: string;
        t: string | null;
        valid: boolean | null;
        area: number | null;
        x: number | null;
        y: number | null;
        srid: number | null;
      }>(
        `SELECT batiment_groupe_id AS id, GeometryType(geom_groupe) AS t, ST_IsValid(geom_groupe) AS valid,
                round(ST_Area(geom_groupe)::numeric, 1)::float8 AS area, ST_SRID(geom_groupe) AS srid
           FROM bdnb.batiment_groupe`,
      );
      const g = Object.fromEntries(r.map((x) => [x.id, x]));
      assert.equal(g['uf031850231485_e535573d3dfc10a']!.t, 'MULTIPOLYGON');
      assert.equal(g['bdnb-bg-2222-AAAA-BBBB']!.valid, true);
      assert.equal(g['bdnb-bg-2222-AAAA-BBBB']!.area, 50);
      assert.equal(g['bdnb-bg-4444-AAAA-BBBB']!.t, null);
      // the reprojected corner lies where PostGIS puts lon 3.03, lat 46.34 (within a centimetre)
      const d = await store.query<{ d: number }>(
        `SELECT ST_Distance(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom_groupe, 1)), 1),
                ST_Transform(ST_SetSRID(ST_MakePoint(3.03, 46.34), 4326), 2154)) AS d
           FROM bdnb.batiment_groupe WHERE batiment_groupe_id = 'bdnb-bg-5555-AAAA-BBBB'`,
      );
      assert.ok(d[0]!.d < 0.01, `reprojection off by ${d[0]!.d} m`);
      for (const x of r) if (x.t) assert.equal(x.srid, 2154);
    });

    test('dates, lists and 15-decimal floats', async () => {
      const r = await store.query(
        `SELECT batiment_groupe_id AS id, conso_5_usages_ep_m2 AS conso, date_etablissement_dpe AS d, arrete_2021 AS a, l_orientation_baie_vitree AS l
           FROM bdnb.batiment_groupe_dpe_representatif_logement ORDER BY 1`,
      );
      assert.ok(Math.abs((r[0]!.conso as number) - 291.4) < 1e-9);
      r[0]!.conso = 291.4;
      assert.deepEqual(r, [
        { id: 'bdnb-bg-1111-AAAA-BBBB', conso: 291.4, d: '2022-03-14', a: true, l: ['sud', 'nord'] },
        { id: 'bdnb-bg-2222-AAAA-BBBB', conso: null, d: '2019-03-14', a: false, l: ['est', null] },
      ]);
      const users = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bdnb.batiment_groupe_dpe_representatif_logement, jsonb_array_elements_text(l_orientation_baie_vitree) e WHERE e = 'sud'`,
      );
      assert.equal(users[0]!.n, 1, 'BDNB-doc style SQL on jsonb lists works');
    });

    test('mapped on worker threads, the same rows and the same rejects', async () => {
      const before = await bdnbChecksums(store);
      await importBdnb(store, BDNB_TABLES, {
        paths: [FIXTURES],
        rejectsPath: join(dir, 'rejects-w.csv'),
        workerMinBytes: 0,
      });
      assert.deepEqual(await bdnbChecksums(store), before);
      const sorted = async (f: string) => (await readFile(join(dir, f), 'utf8')).split('\n').sort();
      assert.deepEqual(await sorted('rejects-w.csv'), await sorted('rejects.csv'));
    });

    test('a file with no row replaces its table with an empty one', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'batid-empty-'));
      const header = (await readFile(join(FIXTURES, 'adresse.csv'), 'utf8')).split('\n')[0]!;
      await writeFile(join(empty, 'adresse.csv'), `${header}\n`);
      await importBdnb(store, BDNB_TABLES, { paths: [empty], dept: '03', rejectsPath: join(empty, 'r.csv') });
      const n = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bdnb.adresse WHERE code_departement_insee = '03'`,
      );
      assert.equal(n[0]!.n, 0);
      await importBdnb(store, BDNB_TABLES, {
        paths: [join(FIXTURES, 'adresse.csv')],
        rejectsPath: join(empty, 'r2.csv'),
      });
      await rm(empty, { recursive: true, force: true });
    });

    test('re-running the same import leaves the database identical', async () => {
      const before = await bdnbChecksums(store);
      await importBdnb(store, BDNB_TABLES, { paths: [FIXTURES], rejectsPath: join(dir, 'rejects2.csv') });
      assert.deepEqual(await bdnbChecksums(store), before);
    });

    test('an import interrupted half-way and re-run ends identical to a clean one', async () => {
      const clean = await bdnbChecksums(store);
      await assert.rejects(
        importBdnb(store, BDNB_TABLES, {
          paths: [FIXTURES],
          rejectsPath: join(dir, 'rejects3.csv'),
          onProgress: (table) => {
            if (table === 'batiment_groupe_dpe_representatif_logement') throw new Error('interrupted');
          },
        }),
        /interrupted/,
      );
      await importBdnb(store, BDNB_TABLES, { paths: [FIXTURES], rejectsPath: join(dir, 'rejects4.csv') });
      assert.deepEqual(await bdnbChecksums(store), clean);
      const left = await store.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'bdnb' AND tablename LIKE '%\\_\\_%'`,
      );
      assert.deepEqual(left, [], 'no staging table left behind');
    });
  });
}
