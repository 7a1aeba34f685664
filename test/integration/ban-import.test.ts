import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BanInputError, importBan } from '../../src/ingest/ban/import-ban.js';
import { addressServiceOf } from '../../src/address/address-service.js';
import { loadMigrations } from '../../src/store/migrate.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';

const HEADER =
  'id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;cad_parcelles';
const row = (id: string, numero: string, voie: string, insee: string, lon: string, lat: string, extra = '') =>
  `${id};;${numero};${extra};${voie};03200;${insee};Vichy;;;;;${lon};${lat};entrée;;;VICHY;;commune;commune;1;033100000A0001|033100000A0002`;

for (const make of backends()) {
  describe(`batid import-ban: checks every row, replaces a département atomically [${make().name}]`, () => {
    let backend: Backend;
    let store: Store;
    let dir: string;
    /** The columns of ban.adresse and its partitions the planner has statistics on (a few). */
    const banStats = async () =>
      (
        await store.query<{ s: string }>(
          `SELECT tablename || '.' || attname || (CASE WHEN inherited THEN ' (parent)' ELSE '' END) AS s
             FROM pg_stats WHERE schemaname = 'ban' AND attname IN ('id', 'code_insee', 'nom_voie') ORDER BY 1`,
        )
      ).map((x) => x.s);
    before(async () => {
      backend = make();
      store = await backend.open();
      dir = await mkdtemp(join(tmpdir(), 'batid-ban-'));
    });
    after(async () => {
      await backend?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('good rows load, bad rows go to the rejects file with line and column', async () => {
      const path = join(dir, 'adresses-03.csv');
      await writeFile(
        path,
        [
          HEADER,
          row('03310_0001_00001', '1', 'Rue de Paris', '03310', '3.4263', '46.1277'),
          row('03310_0001_00002', 'deux', 'Rue de Paris', '03310', '3.4264', '46.1277'), // line 3: numero
          row('03310_0001_00003', '3', 'Rue de Paris', '03310', '300', '46.1277'), // line 4: lon
          row('', '4', 'Rue de Paris', '03310', '3.4265', '46.1277'), // line 5: id empty
          row('03310_0001_00001', '1', 'Rue de Paris', '03310', '3.4263', '46.1277'), // line 6: duplicate
          row('03310_0001_00005', '5', 'Rue de Paris', 'XX310', '3.4266', '46.1277'), // line 7: insee
          row('03310_0002_00007', '7', 'Avenue de Gramont', '03310', '3.4300', '46.1300', 'bis'),
          '',
        ].join('\n'),
      );
      const rejectsPath = join(dir, 'rejects.csv');
      const r = await importBan(store, [path], { rejectsPath });
      assert.equal(r.imported, 2);
      assert.equal(r.rejected, 4);
      assert.equal(r.files[0]!.duplicate, 1);
      const rejects = (await readFile(rejectsPath, 'utf8')).trim().split('\n').slice(1);
      const where = rejects.map((l) => l.split(',').slice(1, 4).join(','));
      assert.deepEqual(where, [
        '3,3,rejected',
        '4,13,rejected',
        '5,1,rejected',
        '6,1,duplicate',
        '7,7,rejected',
      ]);
      const rows = await store.query<{
        id: string;
        numero: number;
        rep: string | null;
        cad: string[];
        x: number;
      }>(`SELECT id, numero, rep, cad_parcelles AS cad, round(ST_X(geom)) AS x FROM ban.adresse ORDER BY id`);
      assert.deepEqual(
        rows.map((x) => [x.id, x.numero, x.rep]),
        [
          ['03310_0001_00001', 1, null],
          ['03310_0002_00007', 7, 'bis'],
        ],
      );
      assert.deepEqual(rows[0]!.cad, ['033100000A0001', '033100000A0002']);
      assert.ok(rows[0]!.x > 700000 && rows[0]!.x < 740000, `Lambert-93 x of Vichy, got ${rows[0]!.x}`);
      const hits = await addressServiceOf(store).search('7 bis av de gramont vichy');
      assert.equal(hits[0]?.cle_interop_adr, '03310_0002_00007');
      assert.equal(hits[0]?.score, 1);
      // the planner has statistics: on the new partition, and on the parent's index columns
      const stats = await banStats();
      assert.deepEqual(stats, [
        'adresse.code_insee (parent)',
        'adresse.id (parent)',
        'adresse_03.code_insee',
        'adresse_03.id',
        'adresse_03.nom_voie',
      ]);
      // a database whose BAN was imported before: migration 0020 analyses it once
      await store.exec(
        `DELETE FROM pg_statistic WHERE starelid IN ('ban.adresse'::regclass, 'ban.adresse_03'::regclass)`,
      );
      const m20 = (await loadMigrations()).find((m) => m.version === 20)!;
      await store.exec(m20.sql);
      const again = await banStats();
      assert.deepEqual(again, [
        'adresse.code_insee (parent)',
        'adresse.id (parent)',
        'adresse.nom_voie (parent)',
        'adresse_03.code_insee',
        'adresse_03.id',
        'adresse_03.nom_voie',
      ]);
    });

    test('a re-import replaces the département: addresses gone from the file are gone', async () => {
      const path = join(dir, 'adresses-03-v2.csv');
      await writeFile(
        path,
        `${HEADER}\n${row('03310_0009_00009', '9', 'Rue Neuve', '03310', '3.42', '46.12')}\n`,
      );
      await importBan(store, [path], { rejectsPath: join(dir, 'r2.csv') });
      const ids = await store.query<{ id: string }>(`SELECT id FROM ban.adresse ORDER BY id`);
      assert.deepEqual(
        ids.map((x) => x.id),
        ['03310_0009_00009'],
      );
      const hits = await addressServiceOf(store).search('7 bis av de gramont vichy');
      assert.notEqual(hits[0]?.cle_interop_adr, '03310_0002_00007', 'the index follows the import');
    });

    test('a file that is not a BAN export is refused with the missing columns, and nothing changes', async () => {
      const path = join(dir, 'other.csv');
      await writeFile(path, 'a;b;c\n1;2;3\n');
      await assert.rejects(importBan(store, [path], { rejectsPath: join(dir, 'r3.csv') }), (e: Error) => {
        assert.ok(e instanceof BanInputError);
        assert.match(e.message, /missing column\(s\) id, numero, nom_voie, code_insee, lon, lat/);
        return true;
      });
      const n = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ban.adresse`);
      assert.equal(n[0]!.n, 1);
      const left = await store.query(
        `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'ban' AND c.relname LIKE 'adresse\\_\\_load%'`,
      );
      assert.equal(left.length, 0, 'no staging table left behind');
    });
  });
}
