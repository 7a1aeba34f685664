import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import type { FastifyInstance } from 'fastify';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { importNetworks } from '../../src/networks/import-networks.js';
import type { Store } from '../../src/store/store.js';
import { tileOf, type TileId } from '../../src/tiles/tile-coords.js';
import { tileServiceOf } from '../../src/tiles/tile-service.js';
import { backends } from '../helpers/backends.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

type Props = Record<string, string | number | boolean>;

/** The features of the one layer of a tile, with their properties. */
function decode(body: Buffer, layer: string): Props[] {
  const vt = new VectorTile(new PbfReader(body));
  assert.deepEqual(Object.keys(vt.layers), [layer], 'one layer, named like the route');
  const l = vt.layers[layer]!;
  assert.equal(l.extent, 4096);
  assert.equal(l.version, 2);
  const out: Props[] = [];
  for (let i = 0; i < l.length; i++) {
    const f = l.feature(i);
    assert.ok(f.loadGeometry().length > 0, 'a geometry');
    out.push(f.properties as Props);
  }
  return out;
}

const url = (layer: string, t: TileId) => `/tiles/${layer}/${t.z}/${t.x}/${t.y}.pbf`;

/** The buildings of a tile with their rings (tile coordinates), each checked as MVT v2 asks. */
function buildingRings(body: Buffer): { batid: string; props: Props; rings: { x: number; y: number }[][] }[] {
  const l = new VectorTile(new PbfReader(body)).layers.buildings!;
  const out = [];
  for (let i = 0; i < l.length; i++) {
    const f = l.feature(i);
    assert.equal(f.type, 3, 'a polygon');
    const rings = f.loadGeometry();
    // surveyor's formula in tile coordinates: the first ring (an exterior) has a positive area
    let area2 = 0;
    const r0 = rings[0]!;
    for (let j = 0, k = r0.length - 1; j < r0.length; k = j++)
      area2 += r0[k]!.x * r0[j]!.y - r0[j]!.x * r0[k]!.y;
    assert.ok(area2 > 0, `exterior ring wound as MVT v2 asks (${f.properties.batid})`);
    // clipped to the tile and its buffer (64 units)
    for (const r of rings)
      for (const p of r) assert.ok(p.x >= -64 && p.x <= 4160 && p.y >= -64 && p.y <= 4160);
    out.push({ batid: String(f.properties.batid), props: f.properties as Props, rings });
  }
  return out;
}

for (const make of backends()) {
  describe(`vector tiles [${make().name}]`, () => {
    let db: SyntheticDb;
    let store: Store;
    let app: FastifyInstance;
    let layers: string[];
    const get = (u: string, headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url: u, headers });

    before(async () => {
      db = await syntheticDb(make, { app: { logLevel: 'silent' } });
      ({ store, app } = db);
      layers = (await readdir(db.export))
        .filter((f) => f.endsWith('.geojson'))
        .map((f) => join(db.export, f));
      await importNetworks(store, layers);
    });
    after(async () => db?.close());

    test('a z16 tile over a building holds its BatID and its DPE label as the database says', async () => {
      // buildings whose label comes from a certificate, and from the representative DPE only
      const picks = await store.query<{ batid: string; lon: number; lat: number; label: string | null }>(
        `WITH b AS (
           SELECT b.batid, c.geom_cstr, c.code_departement_insee AS d, c.batiment_groupe_id AS bg
             FROM batid.building b
             JOIN bdnb.batiment_construction c ON c.batiment_construction_id = b.batiment_construction_id
                                               AND c.code_departement_insee = b.code_departement_insee
            WHERE b.status = 'constructed'),
         l AS (
           SELECT b.*, (SELECT x.classe_bilan_dpe FROM renovation.dpe x
                         WHERE x.code_departement_insee = b.d AND x.batiment_groupe_id = b.bg AND x.methode_2021
                           AND x.remplace_par IS NULL AND x.classe_bilan_dpe IS NOT NULL
                         ORDER BY x.date_etablissement_dpe DESC NULLS LAST, x.identifiant_dpe DESC LIMIT 1) AS cert,
                  (SELECT r.classe_bilan_dpe FROM bdnb.batiment_groupe_dpe_representatif_logement r
                    WHERE r.code_departement_insee = b.d AND r.batiment_groupe_id = b.bg) AS repr
             FROM b)
         (SELECT batid, ST_X(p) AS lon, ST_Y(p) AS lat, cert AS label
            FROM (SELECT *, ST_Transform(ST_PointOnSurface(geom_cstr), 4326) AS p FROM l) x
           WHERE cert IS NOT NULL AND repr IS DISTINCT FROM cert ORDER BY batid LIMIT 2)
         UNION ALL
         (SELECT batid, ST_X(p), ST_Y(p), repr
            FROM (SELECT *, ST_Transform(ST_PointOnSurface(geom_cstr), 4326) AS p FROM l) x
           WHERE cert IS NULL AND repr IS NOT NULL ORDER BY batid LIMIT 1)
         UNION ALL
         (SELECT batid, ST_X(p), ST_Y(p), NULL
            FROM (SELECT *, ST_Transform(ST_PointOnSurface(geom_cstr), 4326) AS p FROM l) x
           WHERE cert IS NULL AND repr IS NULL ORDER BY batid LIMIT 1)`,
      );
      assert.ok(picks.length >= 3, JSON.stringify(picks));
      for (const p of picks) {
        const r = await get(url('buildings', tileOf(p.lon, p.lat, 16)));
        assert.equal(r.statusCode, 200);
        assert.equal(r.headers['content-type'], 'application/vnd.mapbox-vector-tile');
        const features = decode(r.rawPayload, 'buildings');
        const f = features.find((x) => x.batid === p.batid);
        assert.ok(f, `${p.batid} in its tile`);
        assert.equal(f.classe_dpe, p.label ?? undefined, `label of ${p.batid}`);
        assert.ok(features.every((x) => typeof x.batid === 'string' && x.batid.length === 12));
        for (const x of features)
          if (x.installation_chauffage !== undefined)
            assert.ok(['collectif', 'individuel'].includes(String(x.installation_chauffage)));
      }
      // the other properties of one building, as the BDNB has them
      const [ffo] = await store.query<{
        batid: string;
        lon: number;
        lat: number;
        annee: number;
        nb_log: number;
      }>(
        `SELECT b.batid, ST_X(ST_Transform(ST_PointOnSurface(c.geom_cstr), 4326)) AS lon,
                ST_Y(ST_Transform(ST_PointOnSurface(c.geom_cstr), 4326)) AS lat, f.annee_construction AS annee, f.nb_log
           FROM batid.building b
           JOIN bdnb.batiment_construction c ON c.batiment_construction_id = b.batiment_construction_id
                                             AND c.code_departement_insee = b.code_departement_insee
           JOIN bdnb.batiment_groupe_ffo_bat f ON f.batiment_groupe_id = c.batiment_groupe_id
                                              AND f.code_departement_insee = c.code_departement_insee
          WHERE b.status = 'constructed' AND f.annee_construction IS NOT NULL AND f.nb_log IS NOT NULL
          ORDER BY b.batid LIMIT 1`,
      );
      const f = decode(
        (await get(url('buildings', tileOf(ffo!.lon, ffo!.lat, 16)))).rawPayload,
        'buildings',
      ).find((x) => x.batid === ffo!.batid);
      assert.equal(f?.annee_construction, ffo!.annee);
      assert.equal(f?.nb_log, ffo!.nb_log);
    });

    test('buildings under one pixel of a z13 tile start at z14; footprints where they are, wound and clipped', async () => {
      // a standing building under 91 m² in Web Mercator (one pixel of a z13 tile drawn 512 px wide), and a large one
      const picks = await store.query<{
        batid: string;
        lon: number;
        lat: number;
        m2: number;
        annee: number | null;
      }>(
        `WITH b AS (
           SELECT b.batid, ST_Area(ST_Transform(c.geom_cstr, 3857)) AS m2, f.annee_construction AS annee,
                  ST_Transform(ST_PointOnSurface(c.geom_cstr), 4326) AS p
             FROM batid.building b
             JOIN bdnb.batiment_construction c ON c.batiment_construction_id = b.batiment_construction_id
                                               AND c.code_departement_insee = b.code_departement_insee
             LEFT JOIN bdnb.batiment_groupe_ffo_bat f ON f.batiment_groupe_id = c.batiment_groupe_id
                                                     AND f.code_departement_insee = c.code_departement_insee
            WHERE b.status = 'constructed' AND c.geom_cstr IS NOT NULL)
         (SELECT batid, ST_X(p) AS lon, ST_Y(p) AS lat, m2, annee FROM b WHERE m2 < 60 ORDER BY batid LIMIT 2)
         UNION ALL
         (SELECT batid, ST_X(p), ST_Y(p), m2, annee FROM b WHERE m2 > 400 AND annee IS NOT NULL ORDER BY batid LIMIT 2)`,
      );
      assert.equal(picks.length, 4, JSON.stringify(picks));
      for (const p of picks) {
        for (const z of [13, 14, 16]) {
          const t = tileOf(p.lon, p.lat, z);
          const r = await get(url('buildings', t));
          assert.equal(r.statusCode, 200, `${p.batid} z${z}`);
          const f = buildingRings(r.rawPayload).find((x) => x.batid === p.batid);
          if (p.m2 < 60 && z === 13) {
            assert.equal(f, undefined, `${p.batid} (${p.m2.toFixed(0)} m²) left out at z13`);
            continue;
          }
          assert.ok(f, `${p.batid} (${p.m2.toFixed(0)} m²) in its z${z} tile`);
          if (p.annee !== null)
            assert.equal(f.props.annee_construction, p.annee, 'attributes kept at every zoom');
          // the building's point in tile coordinates lies within its footprint's box (±1 unit)
          const n = 2 ** z;
          const px = (((p.lon + 180) / 360) * n - t.x) * 4096;
          const rad = (p.lat * Math.PI) / 180;
          const py = (((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n - t.y) * 4096;
          const xs = f.rings[0]!.map((q) => q.x);
          const ys = f.rings[0]!.map((q) => q.y);
          assert.ok(px >= Math.min(...xs) - 1 && px <= Math.max(...xs) + 1, `x of ${p.batid} at z${z}`);
          assert.ok(py >= Math.min(...ys) - 1 && py <= Math.max(...ys) + 1, `y of ${p.batid} at z${z}`);
        }
      }
    });

    test('empty tiles answer 204: the sea, and buildings below zoom 13', async () => {
      for (const u of [
        url('buildings', tileOf(-6.5, 46.0, 16)), // Atlantic
        url('addresses', tileOf(-6.5, 46.0, 17)),
        url('communes', tileOf(-6.5, 46.0, 8)),
        url('networks', tileOf(-6.5, 46.0, 10)),
        url('buildings', { z: 0, x: 0, y: 0 }),
      ]) {
        const r = await get(u);
        assert.equal(r.statusCode, 204, u);
        assert.equal(r.rawPayload.length, 0);
      }
      const [b] = await store.query<{ lon: number; lat: number }>(
        `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_Transform(ST_PointOnSurface(geom_cstr), 4326) AS p
           FROM bdnb.batiment_construction ORDER BY batiment_construction_id LIMIT 1) x`,
      );
      assert.equal((await get(url('buildings', tileOf(b!.lon, b!.lat, 13)))).statusCode, 200);
      assert.equal((await get(url('buildings', tileOf(b!.lon, b!.lat, 12)))).statusCode, 204);
    });

    test('ETag, Cache-Control and 304 on If-None-Match', async () => {
      const [b] = await store.query<{ lon: number; lat: number }>(
        `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_Transform(ST_PointOnSurface(geom_cstr), 4326) AS p
           FROM bdnb.batiment_construction ORDER BY batiment_construction_id LIMIT 1) x`,
      );
      const u = url('buildings', tileOf(b!.lon, b!.lat, 15));
      const r = await get(u);
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['cache-control'], 'public, max-age=60');
      const etag = String(r.headers.etag);
      assert.match(etag, /^"[^"]+"$/);
      const again = await get(u);
      assert.equal(again.headers.etag, etag);
      assert.deepEqual(again.rawPayload, r.rawPayload);
      const nm = await get(u, { 'if-none-match': etag });
      assert.equal(nm.statusCode, 304);
      assert.equal(nm.rawPayload.length, 0);
      assert.equal((await get(u, { 'if-none-match': '"other"' })).statusCode, 200);
      const other = await get(url('networks', tileOf(b!.lon, b!.lat, 15)));
      assert.notEqual(other.headers.etag, etag);
    });

    test('bad layer, zoom or coordinates: 400 with a JSON error', async () => {
      for (const u of [
        '/tiles/roads/14/8000/5000.pbf',
        '/tiles/buildings/23/0/0.pbf',
        '/tiles/buildings/-1/0/0.pbf',
        '/tiles/buildings/2/4/0.pbf',
        '/tiles/buildings/2/0/4.pbf',
        '/tiles/buildings/2/0/abc.pbf',
        '/tiles/buildings/1.5/0/0.pbf',
      ]) {
        const r = await get(u);
        assert.equal(r.statusCode, 400, u);
        const e = r.json().error;
        assert.ok(typeof e.code === 'string' && typeof e.message === 'string', u);
      }
      assert.match(
        (await get('/tiles/buildings/2/4/0.pbf')).json().error.message,
        /x: expected an integer in 0\.\.3/,
      );
    });

    test('a networks tile: FCU features with their layer, lines, points and polygons', async () => {
      const nets = await store.query<{ layer: string; id_fcu: number; lon: number; lat: number }>(
        `SELECT layer, id_fcu, ST_X(p) AS lon, ST_Y(p) AS lat
           FROM (SELECT layer, id_fcu, ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM fcu.network) x
          ORDER BY layer, id_fcu`,
      );
      assert.ok(nets.length > 0);
      const seen = new Set<string>();
      for (const n of nets) {
        for (const z of [10, 15]) {
          const r = await get(url('networks', tileOf(n.lon, n.lat, z)));
          assert.equal(r.statusCode, 200, `${n.layer} ${n.id_fcu} z${z}`);
          const features = decode(r.rawPayload, 'networks');
          assert.ok(features.every((f) => typeof f.layer === 'string' && typeof f.id_fcu === 'number'));
          const f = features.find((x) => x.layer === n.layer && x.id_fcu === n.id_fcu);
          assert.ok(f, `${n.layer} ${n.id_fcu} in its tile at z${z}`);
          seen.add(n.layer);
        }
      }
      for (const l of ['reseau_de_chaleur', 'reseau_de_froid', 'pdp']) assert.ok(seen.has(l), l);
    });

    test('an addresses tile at z17: the addresses with their key, number and label; none below z16', async () => {
      const [a] = await store.query<{ id: string; lon: number; lat: number; label: string }>(
        `SELECT cle_interop_adr AS id, ST_X(ST_Transform(geom_adresse, 4326)) AS lon,
                ST_Y(ST_Transform(geom_adresse, 4326)) AS lat, libelle_adresse AS label
           FROM bdnb.adresse WHERE geom_adresse IS NOT NULL AND libelle_adresse IS NOT NULL
          ORDER BY cle_interop_adr LIMIT 1`,
      );
      const r = await get(url('addresses', tileOf(a!.lon, a!.lat, 17)));
      assert.equal(r.statusCode, 200);
      const f = decode(r.rawPayload, 'addresses').find((x) => x.cle_interop_adr === a!.id);
      assert.equal(f?.label, a!.label);
      assert.equal((await get(url('addresses', tileOf(a!.lon, a!.lat, 15)))).statusCode, 204);
    });

    test('a communes tile at z8: the F/G share of /v1/indicators?level=commune', async () => {
      const ind = (await get('/v1/indicators?level=commune')).json().results as {
        code: string;
        dpe: {
          batiments_avec_dpe: number;
          passoires_f_g: { batiments: number; part_batiments: { part: number | null } };
        };
      }[];
      const withDpe = ind.filter((c) => c.dpe.batiments_avec_dpe > 0);
      assert.ok(withDpe.length > 0);
      let checked = 0;
      for (const c of withDpe.slice(0, 5)) {
        const [p] = await store.query<{ lon: number; lat: number }>(
          `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
             SELECT ST_Transform(ST_PointOnSurface(ST_Union(geom_iris)), 4326) AS p
               FROM bdnb.referentiel_administratif_iris WHERE code_commune_insee = $1) x`,
          [c.code],
        );
        if (p?.lon == null) continue;
        const r = await get(url('communes', tileOf(p.lon, p.lat, 8)));
        assert.equal(r.statusCode, 200);
        const features = decode(r.rawPayload, 'communes');
        const f = features.find((x) => x.code === c.code);
        assert.ok(f, `commune ${c.code} in its tile`);
        assert.equal(f.batiments_avec_dpe, c.dpe.batiments_avec_dpe);
        assert.equal(f.passoires, c.dpe.passoires_f_g.batiments);
        assert.equal(f.part_passoires, c.dpe.passoires_f_g.part_batiments.part);
        checked++;
      }
      assert.ok(checked > 0);
      const [src] = await store.query<{ source: string; n: number }>(
        `SELECT source, count(*)::int AS n FROM tiles.commune GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
      );
      assert.ok(src, 'tiles.commune built');
    });

    test('OpenAPI documents the tile route', async () => {
      const doc = (await get('/openapi.json')).json();
      const op = doc.paths['/tiles/{layer}/{z}/{x}/{y}.pbf']?.get;
      assert.ok(op, Object.keys(doc.paths).join(' '));
      const layer = op.parameters.find((p: { name: string }) => p.name === 'layer');
      assert.deepEqual(layer.schema.enum, ['buildings', 'networks', 'addresses', 'communes']);
    });

    test('a re-import changes the ETag and the content (cache invalidated)', async () => {
      const [n] = await store.query<{ lon: number; lat: number }>(
        `SELECT ST_X(p) AS lon, ST_Y(p) AS lat
           FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM fcu.network WHERE layer = 'pdp') x LIMIT 1`,
      );
      const u = url('networks', tileOf(n!.lon, n!.lat, 12));
      const before = await get(u);
      assert.ok(decode(before.rawPayload, 'networks').some((f) => f.layer === 'pdp'));
      // the networks again, without the PDP file: a new version
      await importNetworks(
        store,
        layers.filter((f) => !f.endsWith('pdp.geojson')),
      );
      tileServiceOf(store).invalidate(); // else within a second
      const after = await get(u);
      assert.notEqual(after.headers.etag, before.headers.etag);
      if (after.statusCode === 200)
        assert.ok(!decode(after.rawPayload, 'networks').some((f) => f.layer === 'pdp'));
      else assert.equal(after.statusCode, 204);
      // the old ETag no longer matches
      assert.notEqual((await get(u, { 'if-none-match': String(before.headers.etag) })).statusCode, 304);
    });

    test('a BDNB re-import shows in the buildings tiles (new version, derived table rebuilt)', async () => {
      const [b] = await store.query<{ batid: string; bg: string; lon: number; lat: number; annee: number }>(
        `SELECT b.batid, c.batiment_groupe_id AS bg, f.annee_construction AS annee,
                ST_X(ST_Transform(ST_PointOnSurface(c.geom_cstr), 4326)) AS lon,
                ST_Y(ST_Transform(ST_PointOnSurface(c.geom_cstr), 4326)) AS lat
           FROM batid.building b
           JOIN bdnb.batiment_construction c ON c.batiment_construction_id = b.batiment_construction_id
                                             AND c.code_departement_insee = b.code_departement_insee
           JOIN bdnb.batiment_groupe_ffo_bat f ON f.batiment_groupe_id = c.batiment_groupe_id
                                              AND f.code_departement_insee = c.code_departement_insee
          WHERE b.status = 'constructed' AND f.annee_construction IS NOT NULL
          ORDER BY b.batid LIMIT 1`,
      );
      const u = url('buildings', tileOf(b!.lon, b!.lat, 16));
      const before = await get(u);
      const find = (body: Buffer) => decode(body, 'buildings').find((f) => f.batid === b!.batid);
      assert.equal(find(before.rawPayload)?.annee_construction, b!.annee);
      // the same table again, that group built in 1789
      const dir = await mkdtemp(join(db.dir, 'ffo-'));
      const csv = (await readFile(join(db.export, 'batiment_groupe_ffo_bat.csv'), 'utf8'))
        .split('\n')
        .map((line) => (line.includes(`,${b!.bg},`) ? line.replace(/^[0-9]*,/, '1789,') : line))
        .join('\n');
      await writeFile(join(dir, 'batiment_groupe_ffo_bat.csv'), csv);
      await importBdnb(store, BDNB_TABLES, {
        paths: [dir],
        millesime: '2024-10',
        rejectsPath: join(dir, 'r.csv'),
      });
      tileServiceOf(store).invalidate();
      const after = await get(u);
      assert.notEqual(after.headers.etag, before.headers.etag);
      assert.equal(find(after.rawPayload)?.annee_construction, 1789);
    });
  });
}
