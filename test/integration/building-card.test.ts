import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { buildApp } from '../../src/http/app.js';
import { SECTIONS } from '../../src/buildings/card-sections.js';
import { linkedIds } from '../../src/ids/linked-ids.js';
import { buildCardBodies, buildingCard, staleCardDepartements } from '../../src/buildings/card.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';
import { writeLifecyclePair } from '../helpers/lifecycle-fixture.js';
import { proKey } from '../helpers/pro-key.js';

for (const make of backends()) {
  describe(`building card on a synthetic département [${make().name}]`, () => {
    // a pro key sees every section (owners included)
    const pro = proKey();
    let db: SyntheticDb;
    let store: Store;
    let app: FastifyInstance;
    before(async () => {
      db = await syntheticDb(make);
      ({ store, app } = db);
      await pro.make(store);
    });
    after(async () => db?.close());

    test('every section appears on some building, each with its source, millésime and licence', async () => {
      // collective buildings carry most sections; a few houses add the rest
      const batids = (
        await store.query<{ batid: string }>(
          `SELECT b.batid FROM batid.building b JOIN bdnb.batiment_groupe_ffo_bat f
             ON f.code_departement_insee = b.code_departement_insee AND f.batiment_groupe_id = b.batiment_groupe_id
            WHERE b.status = 'constructed' ORDER BY (f.usage_niveau_1_txt = 'Résidentiel collectif') DESC, b.batid LIMIT 400`,
        )
      ).map((r) => r.batid);
      const seen = new Set<string>();
      for (const b of batids) {
        const r = await app.inject(pro.with({ method: 'GET', url: `/v1/buildings/${b}` }));
        assert.equal(r.statusCode, 200);
        const card = r.json();
        for (const [key, s] of Object.entries(card.sections) as [
          string,
          { source: string[]; millesime: string; licence: string; data?: object; rows?: object[] },
        ][]) {
          seen.add(key);
          assert.ok(
            s.source.length && s.source.every((x) => x.startsWith('bdnb.') || x.startsWith('renovation.')),
            `${key} source`,
          );
          assert.equal(s.millesime, '2024-10');
          assert.ok(s.licence.length > 5);
          assert.ok((s.data && Object.keys(s.data).length) || s.rows?.length, `${key} is not empty`);
        }
        if (seen.size === SECTIONS.length) break;
      }
      assert.deepEqual([...seen].sort(), SECTIONS.map((s) => s.key).sort());
    });

    test('the card holds ids, addresses, WGS84 geometry and footprint; values match the tables', async () => {
      const row = (
        await store.query<{ batid: string; bg: string; classe: string; conso: number }>(
          `SELECT b.batid, b.batiment_groupe_id AS bg, d.classe_bilan_dpe AS classe, d.conso_5_usages_ep_m2 AS conso
             FROM batid.building b JOIN bdnb.batiment_groupe_dpe_representatif_logement d
               ON d.code_departement_insee = b.code_departement_insee AND d.batiment_groupe_id = b.batiment_groupe_id
             JOIN bdnb.rel_batiment_groupe_adresse r ON r.code_departement_insee = b.code_departement_insee AND r.batiment_groupe_id = b.batiment_groupe_id
            ORDER BY b.batiment_groupe_id LIMIT 1`,
        )
      )[0]!;
      const card = (
        await app.inject({
          method: 'GET',
          url: `/v1/buildings/${row.batid.slice(0, 4)}-${row.batid.slice(4, 8)}-${row.batid.slice(8)}`,
        })
      ).json();
      assert.equal(card.batid, row.batid);
      assert.equal(card.sections.energie.data.classe_bilan_dpe, row.classe);
      assert.equal(card.sections.energie.data.conso_5_usages_ep_m2, row.conso);
      assert.deepEqual(
        card.ids.bdnb_bg.map((x: { id: string }) => x.id),
        [row.bg],
      );
      assert.ok(
        card.addresses.length >= 1 &&
          card.addresses[0].label &&
          card.addresses[0].lon > 2 &&
          card.addresses[0].lat > 45,
        `addresses ${JSON.stringify(card.addresses)}`,
      );
      assert.equal(card.geometry.type, 'MultiPolygon');
      assert.ok(
        card.geometry.coordinates[0][0][0][0] > 2 && card.geometry.coordinates[0][0][0][0] < 4,
        'longitude in WGS84',
      );
      assert.ok(
        card.footprint.surface_m2 > 0 && card.footprint.hauteur > 0,
        `footprint ${JSON.stringify(card.footprint)}`,
      );
      const f = (
        await app.inject({ method: 'GET', url: `/v1/buildings/${row.batid}?format=geojson` })
      ).json();
      assert.equal(f.type, 'Feature');
      assert.equal(f.properties.batid, row.batid);
      assert.equal(f.geometry.type, 'MultiPolygon');
    });

    test('the ids of the card are those of the id lookup (some are read from the section rows)', async () => {
      const batids = (
        await store.query<{ batid: string }>(
          `SELECT batid FROM batid.building WHERE status = 'constructed' ORDER BY md5(batid) LIMIT 150`,
        )
      ).map((r) => r.batid);
      let withDpe = 0;
      for (const batid of batids) {
        const card = (await app.inject(pro.with(`/v1/buildings/${batid}`))).json();
        const linked = await linkedIds(store, batid);
        assert.deepEqual(card.ids, linked!.ids, batid);
        if (card.ids.dpe) withDpe++;
      }
      assert.ok(withDpe > 10, `${withDpe} buildings with a DPE id: the comparison covers them`);
    });

    test('a card is one statement on a database of one département, the same card as head then body', async () => {
      const batids = (
        await store.query<{ batid: string }>(
          `SELECT batid FROM batid.building WHERE status = 'constructed' ORDER BY md5(batid) LIMIT 60`,
        )
      ).map((r) => r.batid);
      const names: string[] = [];
      const rec = recordingStore(store, names);
      for (const batid of batids) {
        names.length = 0;
        const one = await buildingCard(rec, batid);
        assert.deepEqual(names, ['building_card'], batid);
        names.length = 0;
        const two = await buildingCard(rec, batid, { dept: null });
        assert.deepEqual(names, ['building_head', 'building_card_body']);
        assert.equal(JSON.stringify(one), JSON.stringify(two), batid);
      }
    });

    test('card bodies built at import make the same cards as the live statements, and a stale one is not read', async () => {
      // collective buildings (most sections) and a spread of the others
      const batids = (
        await store.query<{ batid: string }>(
          `(SELECT b.batid FROM batid.building b JOIN bdnb.batiment_groupe_ffo_bat f
              ON f.code_departement_insee = b.code_departement_insee AND f.batiment_groupe_id = b.batiment_groupe_id
             WHERE b.status = 'constructed' AND f.usage_niveau_1_txt = 'Résidentiel collectif' ORDER BY b.batid LIMIT 150)
           UNION
           (SELECT batid FROM batid.building WHERE status = 'constructed' ORDER BY md5(batid) LIMIT 250)`,
        )
      ).map((r) => r.batid);
      const [built] = await store.query<{ n: number; groups: number; version: number; current: number }>(
        `SELECT (SELECT count(*)::int FROM batid.card_body) AS n, cb.groups, cb.data_version::int AS version,
                (SELECT dv.data_version::int FROM batid.dept_version dv WHERE dv.code_departement_insee = '03') AS current
           FROM batid.card_build cb WHERE cb.code_departement_insee = '03'`,
      );
      const [standing] = await store.query<{ n: number }>(
        `SELECT count(DISTINCT batiment_groupe_id)::int AS n FROM batid.building WHERE status = 'constructed'`,
      );
      assert.ok(built && built.n > 100, `card bodies ${JSON.stringify(built)}`);
      assert.deepEqual([built.groups, built.version], [built.n, built.current]);
      assert.equal(built.n, standing!.n, 'one card body per standing building group');
      assert.deepEqual(await staleCardDepartements(store), []);
      const names: string[] = [];
      const rec = recordingStore(store, names);
      const cards = async (o: { dept?: null } = {}) => {
        names.length = 0;
        const out: string[] = [];
        for (const b of batids) out.push(JSON.stringify(await buildingCard(rec, b, o)));
        return { out, live: names.filter((n) => n === 'building_card_group').length };
      };
      const fromBodies = await cards();
      assert.equal(fromBodies.live, 0, 'every card read its group from its card body');
      assert.equal((await cards({ dept: null })).out.join('\n'), fromBodies.out.join('\n'));
      const sections = fromBodies.out.filter((c) => JSON.parse(c).sections.energie).length;
      assert.ok(sections > 50, `${sections} cards with a DPE section`);

      // bodies of another data version (an import that failed after swapping a table): read live
      await store.exec(`UPDATE batid.card_build SET data_version = data_version - 1`);
      assert.deepEqual(await staleCardDepartements(store), ['03']);
      const live = await cards();
      assert.equal(live.live, batids.length, 'every card read live');
      for (let i = 0; i < batids.length; i++) assert.equal(live.out[i], fromBodies.out[i], batids[i]);
      // … and an emptied body of the current version is read as it is (the bodies are used)
      await store.exec(
        `UPDATE batid.card_build SET data_version = data_version + 1; UPDATE batid.card_body SET rows = '[[], []]'`,
      );
      const emptied = JSON.parse((await cards()).out[0]!);
      assert.deepEqual([emptied.sections, emptied.addresses], [{}, []]);
      const again = await buildCardBodies(store, '03');
      assert.equal(again.groups, built.n);
      assert.deepEqual(await staleCardDepartements(store), []);
      assert.deepEqual((await cards()).out, fromBodies.out);
    });

    test('an import that lands while the bodies are built leaves them stale; millésimes follow source_version', async () => {
      const [one] = await store.query<{ batid: string }>(
        `SELECT batid FROM batid.building WHERE status = 'constructed' ORDER BY md5(batid) LIMIT 1`,
      );
      const batid = one!.batid;
      const before = JSON.stringify(await buildingCard(store, batid));
      // an import of batiment_construction commits between the build's version read and its rows
      const landing: Store = {
        ...store,
        query: async (sql, params) => {
          if (sql.includes('INSERT INTO batid.card_body_03__new'))
            await store.exec(
              `UPDATE batid.source_version SET run_id = run_id + 1000, millesime = '2025-04'
                WHERE code_departement_insee = '03' AND table_name = 'batiment_construction'`,
            );
          return store.query(sql, params);
        },
      };
      await buildCardBodies(landing, '03');
      assert.deepEqual(
        await staleCardDepartements(store),
        ['03'],
        'bodies built from the data before the import',
      );
      const names: string[] = [];
      const card = (await buildingCard(recordingStore(store, names), batid))!;
      assert.ok(names.includes('building_card_group'), `read live: ${names.join(', ')}`);
      // the new millésime is the footprint's at once; the rest of the card is unchanged
      assert.equal(card.footprint.millesime, '2025-04');
      assert.equal(
        JSON.stringify({ ...card, footprint: { ...card.footprint, millesime: '2024-10' } }),
        before,
      );
      // a table no longer imported loses its millésime
      const [row] = await store.query<Record<string, unknown>>(
        `DELETE FROM batid.source_version WHERE code_departement_insee = '03' AND table_name = 'batiment_construction' RETURNING *`,
      );
      assert.equal((await buildingCard(store, batid))!.footprint.millesime, null);
      await store.query(
        `INSERT INTO batid.source_version (table_name, code_departement_insee, millesime, file, run_id, rows_imported, imported_at)
         VALUES ($1, $2, '2024-10', $3, $4::bigint - 1000, $5, $6)`,
        [
          row!.table_name,
          row!.code_departement_insee,
          row!.file,
          String(row!.run_id),
          row!.rows_imported,
          row!.imported_at,
        ],
      );
      // the table re-imported as it was: a new data version all the same
      assert.deepEqual(await staleCardDepartements(store), ['03']);
      assert.ok((await buildCardBodies(store, '03')).groups > 100);
      assert.deepEqual(await staleCardDepartements(store), []);
      assert.equal(JSON.stringify(await buildingCard(store, batid)), before);
    });

    test('renovations re-derived make the card bodies stale; a row keeps the nulls inside its jsonb values', async () => {
      // a renovation with a side of a change missing (a field one of the two certificates lacks)
      const [r] = await store.query<{ batid: string; bg: string; dpe: string; changements: unknown }>(
        `SELECT b.batid, r.batiment_groupe_id AS bg, r.dpe_apres AS dpe, r.changements FROM renovation.renovation r
           JOIN batid.building b ON b.code_departement_insee = r.code_departement_insee AND b.batiment_groupe_id = r.batiment_groupe_id
          WHERE b.status = 'constructed' ORDER BY r.batiment_groupe_id, r.dpe_apres LIMIT 1`,
      );
      assert.ok(r, 'a renovation');
      const setChanges = (c: unknown) =>
        store.query(
          `UPDATE renovation.renovation SET changements = $1::jsonb
            WHERE code_departement_insee = '03' AND batiment_groupe_id = $2 AND dpe_apres = $3`,
          [JSON.stringify(c), r.bg, r.dpe],
        );
      const missing = (r.changements as Record<string, unknown>[]).map((c, i) =>
        i ? c : { ...c, avant: null },
      );
      await setChanges(missing);
      // what a new derivation does after writing its rows: the bodies built before are stale
      await store.query('SELECT batid.dept_data_changed($1)', ['03']);
      assert.deepEqual(await staleCardDepartements(store), ['03']);
      const changes = async () =>
        (await buildingCard(store, r.batid))!.sections.renovations!.rows!.map((x) =>
          JSON.stringify(x.changements),
        );
      assert.ok((await changes()).includes(JSON.stringify(missing)), 'read live, avant: null kept');
      await buildCardBodies(store, '03');
      assert.deepEqual(await staleCardDepartements(store), []);
      assert.ok((await changes()).includes(JSON.stringify(missing)), 'from the card body, avant: null kept');
      await setChanges(r.changements);
      await store.query('SELECT batid.dept_data_changed($1)', ['03']);
      await buildCardBodies(store, '03');
    });

    test('yearly consumptions come by source, then millésime', async () => {
      const batids = (
        await store.query<{ batid: string }>(
          `SELECT b.batid FROM batid.building b
            WHERE b.status = 'constructed' AND (SELECT count(*) FROM bdnb.batiment_groupe_dle_elec_multimillesime d
                   WHERE d.code_departement_insee = b.code_departement_insee AND d.batiment_groupe_id = b.batiment_groupe_id) > 1
            ORDER BY b.batid LIMIT 20`,
        )
      ).map((r) => r.batid);
      assert.ok(
        batids.length > 0,
        'the synthetic département has buildings with several years of consumption',
      );
      for (const batid of batids) {
        const rows = (await app.inject(pro.with(`/v1/buildings/${batid}`))).json().sections.consommations
          .rows as {
          source: string;
          millesime: string;
        }[];
        const keys = rows.map((r) => `${r.source}|${r.millesime}`);
        assert.deepEqual(keys, [...keys].sort(), batid);
      }
    });

    test('errors: malformed 400, unknown 404', async () => {
      const bad = await app.inject({ method: 'GET', url: '/v1/buildings/ABCD-0000-KMNP' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'invalid_batid');
      const unknown = await app.inject({ method: 'GET', url: '/v1/buildings/ZZZZ-ZZZZ-ZZZZ' });
      assert.equal(unknown.statusCode, 404);
    });
  });

  describe(`building card of a building with no thematic data, and of retired ones [${make().name}]`, () => {
    let backend: Backend;
    let store: Store;
    let app: FastifyInstance;
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-card2-'));
      const pair = await writeLifecyclePair(dir);
      backend = make();
      store = await backend.open();
      app = await buildApp(store);
      await importBdnb(store, BDNB_TABLES, {
        paths: [pair.v1],
        millesime: '2023-11',
        rejectsPath: join(dir, 'r1.csv'),
      });
      await importBdnb(store, BDNB_TABLES, {
        paths: [pair.v2],
        millesime: '2024-10',
        rejectsPath: join(dir, 'r2.csv'),
      });
    });
    after(async () => {
      await app?.close();
      await backend?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('no section is null-filled: they are absent', async () => {
      const card = (await app.inject({ method: 'GET', url: '/v1/buildings/ABCD2345KMNP' })).json();
      assert.equal(card.status, 'constructed');
      assert.deepEqual(card.sections, {});
      assert.deepEqual(card.addresses, []);
    });

    test('a retired BatID answers 301 with its successors', async () => {
      const retired = (
        await store.query<{ batid: string }>(
          `SELECT batid FROM batid.building WHERE status = 'retired' ORDER BY batid`,
        )
      ).map((r) => r.batid);
      assert.ok(retired.length >= 3);
      for (const b of retired) {
        const r = await app.inject({ method: 'GET', url: `/v1/buildings/${b}` });
        assert.equal(r.statusCode, 301);
        assert.ok(r.json().successors.length >= 1);
        if (r.json().successors.length === 1)
          assert.equal(r.headers.location, `/v1/buildings/${r.json().successors[0]}`);
      }
    });
  });
}

/** The store, noting the name of each prepared statement it runs (without its département suffix). */
function recordingStore(store: Store, names: string[]): Store {
  return {
    ...store,
    query: (sql, params) => store.query(sql, params),
    exec: (sql) => store.exec(sql),
    prepared: (name, sql, params) => {
      names.push(name.replace(/_[0-9ab]{2,3}$/, ''));
      return store.prepared(name, sql, params);
    },
  };
}
