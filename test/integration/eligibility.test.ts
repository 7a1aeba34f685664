import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { importNetworks } from '../../src/networks/import-networks.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { batidCli } from '../helpers/cli.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

for (const make of backends()) {
  describe(`heat-network eligibility [${make().name}]`, () => {
    let db: SyntheticDb;
    let backend: Backend;
    let store: Store;
    let app: FastifyInstance;
    let dir: string;
    let layers: string[];
    before(async () => {
      db = await syntheticDb(make, { app: { logLevel: 'silent' } });
      ({ backend, store, app, dir } = db);
      layers = (await readdir(db.export))
        .filter((f) => f.endsWith('.geojson'))
        .map((f) => join(db.export, f));
    });
    after(async () => db?.close());

    const get = (url: string) => app.inject({ method: 'GET', url });

    test('before any network import: 503 networks_not_loaded', async () => {
      const r = await get('/v1/eligibility?lon=3.33&lat=46.56');
      assert.equal(r.statusCode, 503);
      assert.equal(r.json().error.code, 'networks_not_loaded');
    });

    test('import-networks reads the four FCU layers in Lambert-93 from the crs member', async () => {
      const r = await importNetworks(store, layers);
      const byLayer: Record<string, number> = {};
      for (const f of r.files) {
        assert.equal(f.crs, 'EPSG:2154 (from the crs member)');
        assert.deepEqual(f.problems, []);
        for (const [k, n] of Object.entries(f.imported)) byLayer[k] = (byLayer[k] ?? 0) + n;
      }
      assert.ok(byLayer.reseau_de_chaleur! >= 3, JSON.stringify(byLayer));
      assert.equal(byLayer.pdp, 1);
      assert.equal(byLayer.reseau_de_froid, 1);
      assert.equal(r.version, 1);
    });

    test('a building: distance measured from its footprint, as PostGIS measures it', async () => {
      // buildings at increasing distances from the open traced networks
      const rows = await store.query<{ batid: string; d: number }>(
        `WITH n AS (SELECT geom FROM fcu.network
                     WHERE layer = 'reseau_de_chaleur' AND open_to_connections IS NOT FALSE AND has_trace IS NOT FALSE)
         SELECT batid, d FROM (
           SELECT b.batid, (SELECT min(ST_Distance(b.geom, n.geom)) FROM n) AS d
             FROM batid.building b WHERE b.status = 'constructed') x
          WHERE d < 900 ORDER BY d LIMIT 400`,
      );
      assert.ok(rows.length > 50);
      const sample = rows.filter((_, i) => i % 20 === 0);
      for (const { batid, d } of sample) {
        const r = await get(`/v1/eligibility?batid=${batid}`);
        assert.equal(r.statusCode, 200, r.body);
        const a = r.json();
        assert.equal(a.place.kind, 'building');
        assert.equal(a.place.batid, batid);
        // a PDP or a construction zone may come first; otherwise the distance is PostGIS's
        if (!a.in_pdp && a.type !== 'dans_zone_reseau_futur' && !a.future_network)
          assert.ok(
            Math.abs(a.distance_m - d) <= 0.5,
            `${batid}: ${a.distance_m} m vs PostGIS ${d} m (${a.type})`,
          );
      }
    });

    test('an address: its best match, its building and the building’s heating', async () => {
      const [near] = await store.query<{ label: string }>(
        `SELECT a.libelle_adresse AS label
           FROM bdnb.adresse a
           JOIN bdnb.batiment_groupe_adresse ga
             ON ga.code_departement_insee = a.code_departement_insee AND ga.cle_interop_adr_principale_ban = a.cle_interop_adr
           JOIN bdnb.batiment_groupe_dpe_representatif_logement d
             ON d.code_departement_insee = ga.code_departement_insee AND d.batiment_groupe_id = ga.batiment_groupe_id
          WHERE d.type_installation_chauffage IS NOT NULL
            AND EXISTS (SELECT 1 FROM fcu.network n WHERE n.layer = 'reseau_de_chaleur' AND ST_DWithin(n.geom, a.geom_adresse, 100))
          ORDER BY a.cle_interop_adr LIMIT 1`,
      );
      assert.ok(near, 'an address near a network with a DPE');
      const r = await get(`/v1/eligibility?address=${encodeURIComponent(near.label)}`);
      assert.equal(r.statusCode, 200, r.body);
      const a = r.json();
      assert.equal(a.place.kind, 'address');
      assert.equal(a.place.address.score, 1);
      assert.ok(a.eligible, a.message);
      assert.ok(a.place.batid);
      assert.ok(a.heating?.installation, JSON.stringify(a));
      assert.equal(a.heating.source, 'bdnb.batiment_groupe_dpe_representatif_logement');
      assert.match(a.message, /chauffage/);
      assert.ok(a.network.sncu_id);
    });

    test('a point in the PDP: dans_pdp_reseau_existant with the PDP’s network (same SNCU id)', async () => {
      const [p] = await store.query<{ lon: number; lat: number; sncu: string }>(
        `SELECT ST_X(ST_Transform(ST_PointOnSurface(geom), 4326)) AS lon, ST_Y(ST_Transform(ST_PointOnSurface(geom), 4326)) AS lat,
                sncu_id AS sncu
           FROM fcu.network WHERE layer = 'pdp'`,
      );
      const r = await get(`/v1/eligibility?lon=${p!.lon}&lat=${p!.lat}`);
      assert.equal(r.statusCode, 200, r.body);
      const a = r.json();
      assert.equal(a.type, 'dans_pdp_reseau_existant');
      assert.equal(a.in_pdp, true);
      assert.equal(a.network.sncu_id, p!.sncu);
    });

    test('bad requests say what was expected', async () => {
      const cases: [string, number, string][] = [
        ['/v1/eligibility', 400, 'invalid_parameter'],
        ['/v1/eligibility?lon=3.3', 400, 'invalid_parameter'],
        ['/v1/eligibility?lon=3.3&lat=46.5&batid=AAAABBBBCCCC', 400, 'invalid_parameter'],
        ['/v1/eligibility?lon=300&lat=46.5', 400, 'invalid_parameter'],
        ['/v1/eligibility?batid=ZZZZZZZZZZZZ', 404, 'building_not_found'],
        ['/v1/eligibility?address=qsdkjhqsd%20mlkqsjd%20wxcv', 404, 'address_not_found'],
      ];
      for (const [url, status, code] of cases) {
        const r = await get(url);
        assert.equal(r.statusCode, status, `${url}: ${r.body}`);
        assert.equal(r.json().error.code, code, url);
      }
    });

    test('a re-import replaces every network at once; the next answer uses the new ones', async () => {
      const heatOnly = layers.filter((f) => f.endsWith('reseaux_de_chaleur.geojson'));
      const r = await importNetworks(store, heatOnly);
      assert.equal(r.version, 2);
      const [n] = await store.query<{ pdp: number; heat: number }>(
        `SELECT count(*) FILTER (WHERE layer = 'pdp')::int AS pdp, count(*) FILTER (WHERE layer = 'reseau_de_chaleur')::int AS heat FROM fcu.network`,
      );
      assert.deepEqual(n, { pdp: 0, heat: r.networks });
      const a = (await get('/v1/eligibility?lon=3.33&lat=46.56')).json();
      assert.equal(a.networks_version, 2);
    });

    test('batid import-networks: an unreadable file stops with its name; a bad feature is reported, the rest imported', async () => {
      const cli = (...a: string[]) => batidCli(backend, 'import-networks', a);
      const broken = join(dir, 'reseaux_de_chaleur_broken.geojson');
      await writeFile(broken, '{"type": "FeatureCollection", "features": [');
      const bad = cli(broken);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /reseaux_de_chaleur_broken\.geojson: not valid JSON/);
      const mixed = join(dir, 'reseaux_de_chaleur_mixed.geojson');
      await writeFile(
        mixed,
        JSON.stringify({
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { id_fcu: 1 },
              geometry: {
                type: 'LineString',
                coordinates: [
                  [3.3, 46.5],
                  [3.31, 46.5],
                ],
              },
            },
            {
              type: 'Feature',
              properties: { nom_reseau: 'sans id' },
              geometry: {
                type: 'LineString',
                coordinates: [
                  [3.3, 46.5],
                  [3.31, 46.5],
                ],
              },
            },
            {
              type: 'Feature',
              properties: { id_fcu: 3 },
              geometry: {
                type: 'Polygon',
                coordinates: [
                  [
                    [3.3, 46.5],
                    [3.31, 46.5],
                    [3.31, 46.51],
                    [3.3, 46.5],
                  ],
                ],
              },
            },
          ],
        }),
      );
      const ok = cli(mixed);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(
        ok.stdout,
        /1 reseau_de_chaleur imported, 2 rejected \(EPSG:4326 \(from the coordinates\)\)/,
      );
      assert.match(ok.stdout, /feature 2: id_fcu missing/);
      assert.match(ok.stdout, /feature 3: a network trace must be a line or a point, got POLYGON/);
      assert.match(ok.stdout, /networks version 3/);
    });
  });
}
