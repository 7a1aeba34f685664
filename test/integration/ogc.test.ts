import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { importNetworks } from '../../src/networks/import-networks.js';
import { DPE_SQL } from '../../src/tiles/building-table.js';
import type { Store } from '../../src/store/store.js';
import { backends } from '../helpers/backends.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

type Bbox = [number, number, number, number];
interface Link {
  href: string;
  rel: string;
  type?: string;
}
interface Feature {
  type: string;
  id: string;
  geometry: { type: string; coordinates: unknown } | null;
  properties: Record<string, unknown>;
  links?: Link[];
}
interface Page {
  type: string;
  features: Feature[];
  links: Link[];
  numberReturned: number;
  numberMatched?: number;
  timeStamp: string;
}

const OGRINFO = '/usr/bin/ogrinfo';
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
/**
 * The synthetic département is the Allier (03), in a Lambert-93 box whose south edge
 * (y = 6,520,000 m, src/synth/communes.ts) is at 45.78° N, a little south of the real one (45.93°).
 */
const ALLIER = { lon: [2.2, 4.0], lat: [45.75, 46.8] } as const;

/** Every [lon, lat] position of a GeoJSON geometry. */
function positions(c: unknown): [number, number][] {
  if (Array.isArray(c) && typeof c[0] === 'number') return [c as [number, number]];
  return Array.isArray(c) ? c.flatMap(positions) : [];
}
const envelope = (pts: [number, number][]): Bbox => [
  Math.min(...pts.map((p) => p[0])),
  Math.min(...pts.map((p) => p[1])),
  Math.max(...pts.map((p) => p[0])),
  Math.max(...pts.map((p) => p[1])),
];
const decimals = (x: number) => (String(x).split('.')[1] ?? '').length;

for (const make of backends()) {
  describe(`OGC API Features [${make().name}]`, () => {
    let db: SyntheticDb;
    let store: Store;
    let app: FastifyInstance;
    /** A small bbox around a building, with a dozen buildings or more, and those buildings as the database sees them. */
    let bbox: Bbox;
    let inBbox: string[];

    const get = async (url: string) => {
      const r = await app.inject({ method: 'GET', url });
      return { status: r.statusCode, type: String(r.headers['content-type']), body: r.json() };
    };
    /** A link of a page, followed (its href is absolute). */
    const follow = (href: string) => {
      const u = new URL(href);
      return get(u.pathname + u.search);
    };
    /** The constructed buildings whose footprint meets a bbox, by transforming every footprint (not the bbox). */
    const buildingsIn = async (b: Bbox) =>
      (
        await store.query<{ batid: string }>(
          `SELECT b.batid FROM batid.building b
             JOIN bdnb.batiment_construction c ON c.code_departement_insee = b.code_departement_insee
                                              AND c.batiment_construction_id = b.batiment_construction_id
            WHERE b.status = 'constructed'
              AND ST_Intersects(ST_Transform(c.geom_cstr, 4326), ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, 4326))
            ORDER BY b.batid`,
          b,
        )
      ).map((r) => r.batid);
    const count = async (sql: string) => (await store.query<{ n: number }>(sql))[0]!.n;

    before(async () => {
      db = await syntheticDb(make, { scale: 0.005, app: { logLevel: 'silent', jobs: false } });
      ({ store, app } = db);
      const layers = (await readdir(db.export))
        .filter((f) => f.endsWith('.geojson'))
        .map((f) => join(db.export, f));
      await importNetworks(store, layers);
      const [p] = await store.query<{ lon: number; lat: number }>(
        `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
           SELECT ST_Transform(ST_PointOnSurface(c.geom_cstr), 4326) AS p
             FROM batid.building b
             JOIN bdnb.batiment_construction c ON c.code_departement_insee = b.code_departement_insee
                                              AND c.batiment_construction_id = b.batiment_construction_id
            WHERE b.status = 'constructed' ORDER BY b.batid LIMIT 1) s`,
      );
      // grow the box until it holds a few pages of buildings
      for (const half of [0.002, 0.004, 0.008, 0.016, 0.032, 0.064]) {
        bbox = [p!.lon - half, p!.lat - half * 0.7, p!.lon + half, p!.lat + half * 0.7];
        inBbox = await buildingsIn(bbox);
        if (inBbox.length >= 12) break;
      }
      assert.ok(
        inBbox.length >= 12 && inBbox.length < 1000,
        `a test bbox with a dozen buildings (${inBbox.length})`,
      );
    });
    after(async () => db?.close());

    test('landing page and conformance: the links a client follows', async () => {
      const r = await get('/ogc');
      assert.equal(r.status, 200);
      assert.match(r.type, /^application\/json/);
      const rels = new Map((r.body.links as Link[]).map((l) => [l.rel, l]));
      for (const rel of ['self', 'service-desc', 'conformance', 'data'])
        assert.ok(rels.get(rel), `link ${rel}`);
      assert.match(rels.get('service-desc')!.href, /^http:\/\/[^/]+\/openapi\.json$/);
      assert.match(rels.get('self')!.href, /^http:\/\/[^/]+\/ogc$/);
      assert.equal((await follow(rels.get('service-desc')!.href)).body.openapi, '3.1.0');
      const conf = await follow(rels.get('conformance')!.href);
      assert.equal(conf.status, 200);
      assert.deepEqual(conf.body.conformsTo, [
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
      ]);
      assert.equal((await follow(rels.get('data')!.href)).status, 200);
    });

    test('collections: three, each with its CRS84 extent computed from the data', async () => {
      const r = await get('/ogc/collections');
      assert.equal(r.status, 200);
      const cols = r.body.collections as {
        id: string;
        itemType: string;
        crs: string[];
        extent?: { spatial: { bbox: number[][]; crs: string } };
        links: Link[];
      }[];
      assert.deepEqual(
        cols.map((c) => c.id),
        ['buildings', 'addresses', 'networks'],
      );
      const truth: Record<string, string> = {
        buildings: 'SELECT ST_Transform(geom_cstr, 4326) AS g FROM bdnb.batiment_construction',
        addresses:
          'SELECT ST_Transform(geom_adresse, 4326) FROM bdnb.adresse UNION ALL SELECT ST_Transform(geom, 4326) FROM ban.adresse',
        networks: 'SELECT ST_Transform(geom, 4326) FROM fcu.network',
      };
      for (const c of cols) {
        assert.equal(c.itemType, 'feature');
        assert.ok(c.crs.includes(CRS84));
        assert.equal(c.extent?.spatial.crs, CRS84);
        const [x0, y0, x1, y1] = c.extent!.spatial.bbox[0]!;
        const [t] = await store.query<{ x0: number; y0: number; x1: number; y1: number }>(
          `SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1
             FROM (SELECT ST_Extent(g)::geometry AS e FROM (${truth[c.id]}) s(g)) x`,
        );
        // it holds every feature, and not much more
        assert.ok(
          x0! <= t!.x0 && y0! <= t!.y0 && x1! >= t!.x1 && y1! >= t!.y1,
          `${c.id} extent holds its data`,
        );
        for (const [a, b] of [
          [x0!, t!.x0],
          [y0!, t!.y0],
          [x1!, t!.x1],
          [y1!, t!.y1],
        ])
          assert.ok(Math.abs(a! - b!) < 0.02, `${c.id} extent near its data (${a} vs ${b})`);
        if (c.id === 'buildings') {
          assert.ok(
            x0! >= ALLIER.lon[0] && x1! <= ALLIER.lon[1] && y0! >= ALLIER.lat[0] && y1! <= ALLIER.lat[1],
            `buildings extent in the Allier: ${c.extent!.spatial.bbox[0]}`,
          );
        }
        const items = c.links.find((l) => l.rel === 'items')!;
        assert.equal(items.type, 'application/geo+json');
        const one = await get(`/ogc/collections/${c.id}`);
        assert.equal(one.status, 200);
        assert.deepEqual(one.body, c);
      }
      const none = await get('/ogc/collections/nope');
      assert.equal(none.status, 404);
      assert.equal(none.body.error.code, 'unknown_collection');
      assert.equal(typeof none.body.error.message, 'string');
    });

    test('items in a bbox: exactly the buildings the bbox meets, in WGS84, with their card attributes', async () => {
      const r = await get(`/ogc/collections/buildings/items?bbox=${bbox.join(',')}&limit=1000`);
      assert.equal(r.status, 200);
      assert.match(r.type, /^application\/geo\+json(;|$)/);
      const page = r.body as Page;
      assert.equal(page.type, 'FeatureCollection');
      assert.ok(!Number.isNaN(Date.parse(page.timeStamp)));
      assert.equal(page.numberMatched, inBbox.length);
      assert.equal(page.numberReturned, page.features.length);
      assert.deepEqual(page.features.map((f) => f.id).sort(), inBbox);
      const [bx0, by0, bx1, by1] = bbox;
      for (const f of page.features) {
        assert.equal(f.type, 'Feature');
        assert.equal(f.properties.batid, f.id);
        assert.equal(f.properties.status, 'constructed');
        assert.deepEqual(Object.keys(f.properties), [
          'batid',
          'status',
          'code_commune_insee',
          'rnb_id',
          'usage',
          'annee_construction',
          'nb_log',
          'classe_dpe',
          'classe_dpe_2026',
          'energie_chauffage',
          'installation_chauffage',
        ]);
        assert.match(f.geometry!.type, /Polygon/);
        const pts = positions(f.geometry!.coordinates);
        for (const [lon, lat] of pts) {
          assert.ok(lon > ALLIER.lon[0] && lon < ALLIER.lon[1] && lat > ALLIER.lat[0] && lat < ALLIER.lat[1]);
          assert.ok(decimals(lon) <= 7 && decimals(lat) <= 7, `rounded to 7 decimals: ${lon} ${lat}`);
        }
        const [x0, y0, x1, y1] = envelope(pts);
        assert.ok(x0 <= bx1 && x1 >= bx0 && y0 <= by1 && y1 >= by0, `${f.id} meets the bbox`);
      }
      // the card's values: the label and construction year of one building with both, from the database
      const [known] = await store.query<{ batid: string; annee: number; usage: string | null }>(
        `SELECT b.batid, f.annee_construction AS annee, f.usage_niveau_1_txt AS usage
           FROM batid.building b
           JOIN bdnb.batiment_groupe_ffo_bat f ON f.code_departement_insee = b.code_departement_insee
                                              AND f.batiment_groupe_id = b.batiment_groupe_id
          WHERE b.batid = ANY($1::text[]) AND f.annee_construction IS NOT NULL ORDER BY b.batid LIMIT 1`,
        [inBbox],
      );
      assert.ok(known, 'a building of the bbox with a construction year');
      const withYear = page.features.find((x) => x.id === known.batid)!;
      assert.equal(withYear.properties.annee_construction, known.annee);
      assert.equal(withYear.properties.usage, known.usage);
    });

    test('installation_chauffage: the rule of the tiles and the export (collectif, individuel, else null)', async () => {
      // the current state wins when it has a label, else the representative DPE; any case in the source
      const rows = await store.query<{ i: string | null }>(
        `SELECT ${DPE_SQL.installation} AS i
           FROM (VALUES (1, 'C', 'Collectif', 'individuel'), (2, NULL, 'collectif', 'INDIVIDUEL'),
                        (3, 'D', 'mixte (collectif-individuel)', 'collectif'), (4, NULL, NULL, NULL))
                AS v(n, classe_bilan_dpe, cur_inst, r_inst)
          CROSS JOIN LATERAL (SELECT v.classe_bilan_dpe, v.cur_inst AS type_installation_chauffage) cur
          CROSS JOIN LATERAL (SELECT v.r_inst AS type_installation_chauffage) r
          ORDER BY v.n`,
      );
      assert.deepEqual(
        rows.map((r) => r.i),
        ['collectif', 'individuel', null, null],
      );
      const page = (await get(`/ogc/collections/buildings/items?bbox=${bbox.join(',')}&limit=1000`))
        .body as Page;
      const seen = new Set(page.features.map((f) => f.properties.installation_chauffage ?? null));
      for (const v of seen) assert.ok(v === null || v === 'collectif' || v === 'individuel', String(v));
    });

    test('paging: next links visit every feature of the bbox once, prev links go back page by page', async () => {
      const limit = 5;
      let r = await get(`/ogc/collections/buildings/items?bbox=${bbox.join(',')}&limit=${limit}`);
      const pages: string[][] = [];
      const seen: string[] = [];
      assert.equal(r.body.numberMatched, inBbox.length);
      assert.equal(
        (r.body.links as Link[]).find((l) => l.rel === 'prev'),
        undefined,
        'no prev on the first page',
      );
      while (true) {
        assert.equal(r.status, 200);
        const page = r.body as Page;
        assert.ok(page.features.length <= limit);
        assert.equal(page.numberReturned, page.features.length);
        pages.push(page.features.map((f) => f.id));
        seen.push(...page.features.map((f) => f.id));
        const next = page.links.find((l) => l.rel === 'next');
        if (!next) break;
        assert.equal(next.type, 'application/geo+json');
        assert.ok(pages.length < 1000, 'paging ends');
        r = await follow(next.href);
        assert.equal(r.body.numberMatched, undefined, 'numberMatched on the first page only');
      }
      assert.equal(new Set(seen).size, seen.length, 'no feature twice');
      assert.deepEqual([...seen].sort(), inBbox);
      assert.equal(pages.length, Math.ceil(inBbox.length / limit));
      // back from the last page
      let back = r.body as Page;
      for (let i = pages.length - 2; i >= 0; i--) {
        const prev = back.links.find((l) => l.rel === 'prev');
        assert.ok(prev, `prev link before page ${i + 1}`);
        back = (await follow(prev.href)).body as Page;
        assert.deepEqual(
          back.features.map((f) => f.id),
          pages[i],
        );
      }
      assert.equal(
        back.links.find((l) => l.rel === 'prev'),
        undefined,
      );
    });

    test('limit: default 100, a larger one lowered to 10000, bad ones refused', async () => {
      const total = await count(
        `SELECT count(*)::int AS n FROM batid.building b
           JOIN bdnb.batiment_construction c ON c.code_departement_insee = b.code_departement_insee
                                            AND c.batiment_construction_id = b.batiment_construction_id
          WHERE b.status = 'constructed'`,
      );
      const first = (await get('/ogc/collections/buildings/items')).body as Page;
      assert.equal(first.numberMatched, total);
      assert.equal(first.features.length, Math.min(100, total));
      const big = await get('/ogc/collections/buildings/items?limit=20000');
      assert.equal(big.status, 200);
      assert.equal(big.body.features.length, Math.min(10000, total));
      assert.match((big.body.links as Link[]).find((l) => l.rel === 'self')!.href, /[?&]limit=10000(&|$)/);
      // the whole world: every building
      assert.equal(
        (await get('/ogc/collections/buildings/items?bbox=-180,-90,180,90&limit=1')).body.numberMatched,
        total,
      );
      // far from France: none
      const far = await get('/ogc/collections/buildings/items?bbox=100,10,101,11');
      assert.equal(far.status, 200);
      assert.deepEqual([far.body.numberMatched, far.body.features.length], [0, 0]);
      for (const bad of ['0', '-1', 'abc', '1.5'])
        assert.equal(
          (await get(`/ogc/collections/buildings/items?limit=${bad}`)).status,
          400,
          `limit=${bad}`,
        );
    });

    test('bad parameters: 400 in the contract format, saying what was expected', async () => {
      const cases: [string, RegExp][] = [
        ['bbox=2.5,46.2,2.6', /bbox: expected 4 numbers/],
        ['bbox=2.5,46.2,0,2.6,46.3,10', /no vertical axis/],
        ['bbox=a,b,c,d', /bbox: expected 4 numbers/],
        ['bbox=2.6,46.2,2.5,46.3', /minLon < maxLon/],
        ['bbox=2.5,46.3,2.6,46.2', /minLat < maxLat/],
        ['bbox=2,46,3,95', /latitudes/],
        ['cursor=nimportequoi', /cursor: expected/],
        ['f=xml', /f: expected json/],
        ['foo=1', /unknown query parameter foo/],
        ['datetime=2024-01-01T00:00:00Z', /no time dimension/],
      ];
      for (const [q, message] of cases) {
        const r = await get(`/ogc/collections/buildings/items?${q}`);
        assert.equal(r.status, 400, q);
        assert.equal(r.body.error.code, 'invalid_parameter', q);
        assert.match(r.body.error.message, message, q);
      }
      assert.equal((await get('/ogc/collections/buildings/items?f=json&limit=1')).status, 200);
      assert.equal((await get('/ogc?f=html')).status, 400);
      assert.equal((await get('/ogc/collections?f=json')).status, 200);
    });

    test('one feature by id; 404 in the contract format when there is none', async () => {
      const list = (await get(`/ogc/collections/buildings/items?bbox=${bbox.join(',')}&limit=3`))
        .body as Page;
      const f = list.features[0]!;
      const r = await get(`/ogc/collections/buildings/items/${f.id}`);
      assert.equal(r.status, 200);
      assert.match(r.type, /^application\/geo\+json(;|$)/);
      assert.equal(r.body.id, f.id);
      assert.deepEqual(r.body.geometry, f.geometry);
      assert.deepEqual(r.body.properties, f.properties);
      assert.ok((r.body.links as Link[]).some((l) => l.rel === 'self' && l.href.endsWith(`/items/${f.id}`)));
      // a BatID no building has, a malformed one, an unknown collection
      const unknown = f.id === 'ZZZZZZZZZZZZ' ? 'YYYYYYYYYYYY' : 'ZZZZZZZZZZZZ';
      for (const url of [
        `/ogc/collections/buildings/items/${unknown}`,
        '/ogc/collections/buildings/items/pas-un-batid',
        `/ogc/collections/nope/items/${f.id}`,
        '/ogc/collections/networks/items/reseau_de_chaleur-999999999',
      ]) {
        const x = await get(url);
        assert.equal(x.status, 404, url);
        assert.equal(typeof x.body.error.code, 'string');
        assert.match(x.body.error.message, /^no (feature|collection)/);
      }
      // a demolished or retired building is not in the collection
      const [gone] = await store.query<{ batid: string }>(
        `SELECT batid FROM batid.building WHERE status <> 'constructed' LIMIT 1`,
      );
      if (gone) assert.equal((await get(`/ogc/collections/buildings/items/${gone.batid}`)).status, 404);
    });

    test('addresses and networks: paged, in WGS84, each feature readable by its id', async () => {
      for (const [id, sql] of [
        ['networks', 'SELECT count(*)::int AS n FROM fcu.network'],
        [
          'addresses',
          `SELECT (SELECT count(*) FROM bdnb.adresse a WHERE a.cle_interop_adr IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM ban.adresse x WHERE x.id = a.cle_interop_adr))
                + (SELECT count(*) FROM ban.adresse) AS n`,
        ],
      ] as const) {
        const total = await count(sql);
        assert.ok(total > 0, `${id} in the synthetic data`);
        let r = await get(`/ogc/collections/${id}/items?limit=${id === 'networks' ? 4 : 1000}`);
        assert.equal(r.body.numberMatched, total);
        const seen = new Set<string>();
        let sample: Feature | undefined;
        while (true) {
          for (const f of (r.body as Page).features) {
            assert.ok(!seen.has(f.id), `${id} ${f.id} once`);
            seen.add(f.id);
            sample ??= f;
            for (const [lon, lat] of positions(f.geometry?.coordinates))
              assert.ok(lon > 1 && lon < 5 && lat > 45 && lat < 48, `${id} ${f.id} in WGS84 near the Allier`);
          }
          const next = (r.body as Page).links.find((l) => l.rel === 'next');
          if (!next) break;
          r = await follow(next.href);
        }
        assert.equal(seen.size, total, `every ${id} feature`);
        const one = await get(`/ogc/collections/${id}/items/${encodeURIComponent(sample!.id)}`);
        assert.equal(one.status, 200, sample!.id);
        assert.deepEqual(one.body.properties, sample!.properties);
      }
    });

    test('the OpenAPI document describes the OGC routes and their parameters', async () => {
      const doc = (await get('/openapi.json')).body;
      for (const path of [
        '/ogc',
        '/ogc/conformance',
        '/ogc/collections',
        '/ogc/collections/{collectionId}',
        '/ogc/collections/{collectionId}/items',
        '/ogc/collections/{collectionId}/items/{featureId}',
      ])
        assert.ok(doc.paths[path]?.get, `${path} documented`);
      const names = (doc.paths['/ogc/collections/{collectionId}/items'].get.parameters as { name: string }[])
        .map((p) => p.name)
        .sort();
      assert.deepEqual(names, ['bbox', 'collectionId', 'cursor', 'f', 'limit']);
    });

    test('GDAL (ogrinfo, OAPIF driver) lists the three layers and reads the features', async (t) => {
      if (!existsSync(OGRINFO)) {
        t.skip(`${OGRINFO} not found (Debian package gdal-bin): GDAL interoperability not tested`);
        return;
      }
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const url = `OAPIF:http://127.0.0.1:${port}/ogc`;
      const env = {
        ...process.env,
        http_proxy: '',
        https_proxy: '',
        HTTP_PROXY: '',
        HTTPS_PROXY: '',
        no_proxy: '*',
      };
      const ogrinfo = async (...args: string[]) =>
        (await promisify(execFile)(OGRINFO, args, { timeout: 120_000, env, maxBuffer: 64 * 1024 * 1024 }))
          .stdout;

      const listing = await ogrinfo('-ro', '-so', url);
      assert.deepEqual(
        [...listing.matchAll(/^\d+: (\w+)/gm)].map((m) => m[1]),
        ['buildings', 'addresses', 'networks'],
        listing,
      );

      const total = await count(
        `SELECT count(*)::int AS n FROM batid.building b
           JOIN bdnb.batiment_construction c ON c.code_departement_insee = b.code_departement_insee
                                            AND c.batiment_construction_id = b.batiment_construction_id
          WHERE b.status = 'constructed'`,
      );
      const summary = await ogrinfo('-ro', '-so', url, 'buildings');
      assert.match(summary, new RegExp(`^Feature Count: ${total}$`, 'm'), summary);
      assert.match(summary, /^Geometry: Multi Polygon$/m, summary);
      assert.match(summary, /^batid: String/m, summary);

      // every building of the test bbox, read page by page by GDAL (its pages hold 10)
      const features = await ogrinfo('-ro', '-al', '-q', '-spat', ...bbox.map(String), url, 'buildings');
      const batids = [...features.matchAll(/^ {2}batid \(String\) = (\w+)$/gm)].map((m) => m[1]);
      assert.equal(
        [...features.matchAll(/^OGRFeature\(buildings\):/gm)].length,
        inBbox.length,
        features.slice(0, 2000),
      );
      assert.deepEqual(batids.sort(), inBbox);
    });
  });
}
