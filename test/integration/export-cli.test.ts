import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { writeBuildings } from '../../src/buildings/export.js';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { openStore } from '../../src/store/open-store.js';
import { synthesize } from '../../src/synth/synthesize.js';
import { parseCsv } from '../../web/src/csv.js';
import { backends, type Backend } from '../helpers/backends.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** A label that needs RFC 4180 quoting: a comma and quotes. */
const LABEL = 'Lieu-dit "Les Gras", 12 route de Moulins';
/** Allier (and the synthetic département's spread around it), lon/lat degrees. */
const ALLIER = { minLon: 2.0, maxLon: 4.3, minLat: 45.5, maxLat: 47.0 };

function hasOgr2ogr(): boolean {
  return spawnSync('ogr2ogr', ['--version']).status === 0;
}

interface Reference {
  batid: string;
  /** PostGIS: the footprint's WGS84 bbox and a point on it */
  bbox: [number, number, number, number];
  lon: number;
  lat: number;
}

interface Feature {
  id: string;
  properties: Record<string, unknown>;
  geometry: { type: string; coordinates: number[][][][] };
}

for (const make of backends()) {
  describe(`batid export (CLI) [${make().name}]`, () => {
    let backend: Backend;
    let dir: string;
    let args: string[];
    let env: NodeJS.ProcessEnv;
    /** the standing buildings of 03, by BatID, as the registry lists them */
    let expected: string[];
    let labelled: string;
    let demolished: string;
    let refs: Reference[];
    /** what the CLI wrote for `--format geojson --dept 03` */
    let geojsonOut = '';

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-export-'));
      await synthesize({ dept: '03', scale: 0.005, seed: 1, out: join(dir, 's') });
      backend = make();
      const store = await backend.open();
      await importBdnb(store, BDNB_TABLES, {
        paths: [join(dir, 's')],
        millesime: '2024-10',
        rejectsPath: join(dir, 'r.csv'),
      });
      // one building whose group has a single address and a single building gets a label to quote
      const [one] = await store.query<{ batid: string; cle: string }>(
        `SELECT b.batid, min(r.cle_interop_adr) AS cle
           FROM batid.building b
           JOIN bdnb.rel_batiment_groupe_adresse r
             ON r.code_departement_insee = b.code_departement_insee AND r.batiment_groupe_id = b.batiment_groupe_id
          WHERE b.code_departement_insee = '03' AND b.status = 'constructed'
            AND (SELECT count(*) FROM batid.building o WHERE o.batiment_groupe_id = b.batiment_groupe_id) = 1
          GROUP BY b.batid HAVING count(*) = 1 ORDER BY b.batid LIMIT 1`,
      );
      assert.ok(one, 'a building with one address');
      labelled = one.batid;
      await store.query(
        `UPDATE bdnb.adresse SET libelle_adresse = $1 WHERE code_departement_insee = '03' AND cle_interop_adr = $2`,
        [LABEL, one.cle],
      );
      // a demolished building and one of another département must not be exported
      const [d] = await store.query<{ batid: string }>(
        `UPDATE batid.building SET status = 'demolished'
          WHERE batid = (SELECT max(batid) FROM batid.building WHERE code_departement_insee = '03' AND status = 'constructed')
          RETURNING batid`,
      );
      demolished = d!.batid;
      await store.query(
        `INSERT INTO batid.building (batid, code_departement_insee, status, geom)
         SELECT '11111111111A', '63', 'constructed', geom FROM batid.building WHERE batid = $1`,
        [labelled],
      );
      expected = (
        await store.query<{ batid: string }>(
          `SELECT batid FROM batid.building WHERE code_departement_insee = '03' AND status = 'constructed' ORDER BY batid`,
        )
      ).map((r) => r.batid);
      assert.ok(expected.length > 500, `a few hundred buildings (${expected.length})`);
      refs = await store.query<Reference>(
        `SELECT batid,
                ARRAY[ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g)]::float8[] AS bbox,
                ST_X(ST_Transform(ST_PointOnSurface(geom), 4326)) AS lon,
                ST_Y(ST_Transform(ST_PointOnSurface(geom), 4326)) AS lat
           FROM (SELECT batid, geom, ST_Transform(geom, 4326) AS g FROM batid.building WHERE batid = ANY($1)) x
          ORDER BY batid`,
        [[expected[0]!, labelled, expected[expected.length - 1]!]],
      );
      await store.close();
      const conn = backend.connection();
      args = conn.dbDir ? ['--db', conn.dbDir] : [];
      env = { ...process.env, DATABASE_URL: conn.databaseUrl ?? '' };
    });
    after(async () => {
      await backend?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    const cli = (a: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/batid-dev.ts', 'export', ...a, ...args], {
        cwd: ROOT,
        env: { ...env, ...extraEnv },
        encoding: 'utf8',
        maxBuffer: 256 << 20,
      });
    const near = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs PostGIS ${b}`);

    test('geojson: a WGS84 FeatureCollection of every standing building of the département', () => {
      const r = cli(['--format', 'geojson', '--dept', '03']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`^${expected.length} buildings → stdout \\(geojson, [\\d.]+ s\\)$`, 'm'),
      );
      geojsonOut = r.stdout;
      const fc = JSON.parse(r.stdout) as { type: string; crs?: unknown; features: Feature[] };
      assert.equal(fc.type, 'FeatureCollection');
      assert.equal(fc.crs, undefined, 'RFC 7946: no crs member');
      const ids = fc.features.map((f) => f.properties.batid);
      assert.equal(new Set(ids).size, ids.length, 'BatIDs are unique');
      assert.deepEqual(ids, expected, 'every standing building of 03, by BatID, and no other');
      assert.ok(!ids.includes(demolished) && !ids.includes('11111111111A'));
      for (const f of fc.features) {
        assert.equal(f.id, f.properties.batid);
        assert.equal(f.properties.code_departement_insee, '03');
        assert.equal(f.geometry.type, 'MultiPolygon');
        for (const ring of f.geometry.coordinates.flat())
          for (const [lon, lat] of ring) {
            assert.ok(lon! >= ALLIER.minLon && lon! <= ALLIER.maxLon, `lon ${lon} of ${f.id}`);
            assert.ok(lat! >= ALLIER.minLat && lat! <= ALLIER.maxLat, `lat ${lat} of ${f.id}`);
            assert.ok(Math.abs(lon! * 1e7 - Math.round(lon! * 1e7)) < 1e-6, 'at most 7 decimals');
          }
      }
      for (const ref of refs) {
        const f = fc.features.find((x) => x.id === ref.batid)!;
        const pts = f.geometry.coordinates.flat(2);
        const bbox = [
          Math.min(...pts.map((p) => p[0]!)),
          Math.min(...pts.map((p) => p[1]!)),
          Math.max(...pts.map((p) => p[0]!)),
          Math.max(...pts.map((p) => p[1]!)),
        ];
        bbox.forEach((v, i) => near(v, ref.bbox[i]!, `bbox[${i}] of ${ref.batid}`));
      }
      const l = fc.features.find((x) => x.id === labelled)!;
      assert.equal(l.properties.adresse, LABEL);
      // the attributes the card has: some buildings carry each of them
      for (const k of [
        'code_commune_insee',
        'batiment_groupe_id',
        'rnb_id',
        'usage',
        'annee_construction',
        'nb_log',
        'classe_dpe',
        'energie_chauffage',
      ])
        assert.ok(
          fc.features.some((f) => f.properties[k] !== null),
          `some building has ${k}`,
        );
    });

    test('csv: the same rows, RFC 4180 quoting, WKT and a point on the footprint in WGS84', async () => {
      const out = join(dir, 'b.csv');
      const r = cli(['--format', 'csv', '--dept', '3', '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`^${expected.length} buildings → ${out.replace(/[.]/g, '\\.')} \\(csv, `, 'm'),
      );
      assert.ok(!existsSync(`${out}.part`));
      const text = await readFile(out, 'utf8');
      assert.ok(!text.startsWith('\ufeff'), 'no BOM');
      assert.ok(text.includes(`,"${LABEL.replace(/"/g, '""')}",`), 'the label quoted, quotes doubled');
      const [header, ...rows] = parseCsv(text, ',');
      assert.equal(header![0], 'batid');
      const col = (name: string) => {
        const i = header!.indexOf(name);
        assert.ok(i >= 0, `column ${name}`);
        return i;
      };
      assert.ok(
        rows.every((row) => row.length === header!.length),
        'every row has every column',
      );
      assert.deepEqual(
        rows.map((row) => row[0]),
        expected,
      );
      const byId = new Map(rows.map((row) => [row[0], row]));
      assert.equal(byId.get(labelled)![col('adresse')], LABEL);
      for (const ref of refs) {
        const row = byId.get(ref.batid)!;
        near(Number(row[col('lon')]), ref.lon, `lon of ${ref.batid}`);
        near(Number(row[col('lat')]), ref.lat, `lat of ${ref.batid}`);
        assert.match(row[col('geometry_wkt')]!, /^MULTIPOLYGON\(\(\(\d\.\d+ 4\d\.\d+,/);
      }
    });

    test(
      'gpkg: layer "buildings" in EPSG:2154 with every building',
      { skip: !hasOgr2ogr() && 'ogr2ogr not installed (apt-get install gdal-bin)' },
      () => {
        const out = join(dir, 'b.gpkg');
        const r = cli(['--format', 'gpkg', '--dept', '03', '--out', out]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`^${expected.length} buildings → .*b\\.gpkg \\(gpkg, `, 'm'));
        const info = spawnSync('ogrinfo', ['-so', out, 'buildings'], { encoding: 'utf8' });
        assert.equal(info.status, 0, info.stderr);
        assert.match(info.stdout, /Layer name: buildings/);
        assert.match(info.stdout, new RegExp(`Feature Count: ${expected.length}\\b`));
        assert.match(info.stdout, /ID\["EPSG",2154\]\]\s*$/m);
        assert.match(info.stdout, /^batid: String/m);
        assert.deepEqual(
          readdirSync(dir).filter((f) => f.startsWith('.batid-export-')),
          [],
          'the temp folder is removed',
        );
      },
    );

    test('gpkg without ogr2ogr: says what to install, exit 1, no file', () => {
      const out = join(dir, 'none.gpkg');
      const r = cli(['--format', 'gpkg', '--dept', '03', '--out', out], { PATH: '/nonexistent' });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /ogr2ogr not found.*apt-get install gdal-bin/);
      assert.ok(!existsSync(out));
    });

    test('a département without buildings: a clear message, exit 1, nothing written', () => {
      const r = cli(['--format', 'geojson', '--dept', '04']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /no building in département 04/);
      assert.equal(r.stdout, '');
    });

    test('pages joined by keyset, written with backpressure: the same bytes as the CLI', async () => {
      assert.ok(geojsonOut, 'the geojson test ran first');
      const store = await openStore(backend.connection());
      try {
        const chunks: Buffer[] = [];
        let drains = 0;
        const slow = new Writable({
          highWaterMark: 4096,
          write(chunk: Buffer, _enc, cb) {
            chunks.push(chunk);
            setImmediate(cb);
          },
        }).on('drain', () => drains++);
        const seen: number[] = [];
        const n = await writeBuildings(store, '03', 'geojson', slow, {
          pageSize: 97,
          onProgress: (done) => seen.push(done),
        });
        await new Promise((resolve) => slow.end(resolve));
        assert.equal(n, expected.length);
        assert.equal(seen.length, Math.ceil(expected.length / 97), 'one query per 97 buildings');
        assert.ok(drains > 0, 'the writer waited for the stream to drain');
        assert.equal(Buffer.concat(chunks).toString('utf8'), geojsonOut);
      } finally {
        await store.close();
      }
    });

    const BAD: [string, string[], RegExp][] = [
      ['no format', ['--dept', '03'], /--format: expected one of geojson, csv, gpkg, got nothing/],
      ['unknown format', ['--format', 'kml', '--dept', '03'], /got kml/],
      ['no département', ['--format', 'csv'], /--dept: expected/],
      ['bad département', ['--format', 'csv', '--dept', '3a'], /--dept: expected .* got "3a"/],
      ['gpkg to stdout', ['--format', 'gpkg', '--dept', '03'], /--out FILE\.gpkg is required/],
      ['unknown option', ['--format', 'csv', '--dept', '03', '--bbox', '1'], /Unknown option '--bbox'/],
      ['stray argument', ['--format', 'csv', '--dept', '03', 'x'], /unexpected argument "x"/],
    ];
    test('bad arguments: the reason and the usage, exit 2', () => {
      for (const [what, a, message] of BAD) {
        const r = cli(a);
        assert.equal(r.status, 2, `${what}: ${r.stderr}`);
        assert.match(r.stderr, message, what);
        assert.match(r.stderr, /usage: batid export/, what);
      }
    });
  });
}
