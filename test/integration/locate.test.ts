import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildingsAtPoints, matchPoint, type NearBuilding } from '../../src/buildings/locate.js';
import { locateRoutes } from '../../src/http/locate-routes.js';
import type { Store } from '../../src/store/store.js';
import { backends } from '../helpers/backends.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

// The rule itself, on distances (m) of the nearest footprints, nearest first.
describe('point → building rule', () => {
  const near = (...d: number[]): NearBuilding[] =>
    d.map((distance_m, i) => ({
      batid: `B${i}`,
      distance_m,
      batiment_construction_id: null,
      batiment_groupe_id: null,
      code_departement_insee: '03',
    }));
  const cases: [string, number[], string[], string | null][] = [
    ['nothing near', [], [], null],
    ['inside', [0, 3], ['B0'], 'inside'],
    ['inside two overlapping footprints', [0, 0, 4], ['B0', 'B1'], 'inside'],
    ['alone', [5], ['B0'], 'closest_isolated'],
    ['second at exactly 10 m', [3, 10], ['B0'], 'closest_isolated'],
    ['second just under 10 m', [3, 9.99], [], null],
    ['second under 10 m although > 3 × first', [2, 9], [], null],
    ['second at exactly 3 × first', [4, 12], ['B0'], 'closest_isolated'],
    ['second just under 3 × first', [4, 11.9], [], null],
    ['first at exactly 8 m', [8, 24], ['B0'], 'closest_isolated'],
    ['first at 8 m, second under 24 m', [8, 23.9], [], null],
    ['first beyond 8 m', [8.01, 100], [], null],
  ];
  for (const [name, d, batids, reason] of cases) {
    test(name, () => {
      const got = matchPoint(near(...d));
      assert.deepEqual(
        got.map((b) => b.batid),
        batids,
      );
      for (const b of got) assert.equal(b.match_reason, reason);
    });
  }
});

interface Point {
  lon: number;
  lat: number;
}

for (const make of backends()) {
  describe(`buildings by place on a synthetic département [${make().name}]`, () => {
    let db: SyntheticDb;
    let store: Store;
    let app: FastifyInstance;
    before(async () => {
      db = await syntheticDb(make);
      ({ store, app } = db);
    });
    after(async () => db?.close());

    const get = async (url: string) => {
      const r = await app.inject({ method: 'GET', url });
      return { status: r.statusCode, body: r.json() };
    };
    /** A Lambert-93 point in WGS84, computed by the database. */
    const wgs = async (x: number, y: number): Promise<Point> =>
      (
        await store.query<Point>(
          `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 2154), 4326) AS p) s`,
          [x, y],
        )
      )[0]!;
    /** Distances (m) from a Lambert-93 point to the nearest footprints, for the test's preconditions. */
    const footprintDistances = async (x: number, y: number): Promise<number[]> =>
      (
        await store.query<{ d: number }>(
          `SELECT ST_Distance(geom_cstr, ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 2154)) AS d
             FROM bdnb.batiment_construction ORDER BY 1 LIMIT 3`,
          [x, y],
        )
      ).map((r) => r.d);

    test('many points at once (bulk): the inner point of every footprint finds its own building', async () => {
      // thousands of points in one query: a KNN (<->) scan here failed now and then with
      // "index returned tuples in wrong order"; exact-distance sorting must never
      const pts = await store.query<{ batid: string; x: number; y: number }>(
        `SELECT batid, ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y
           FROM batid.building WHERE status = 'constructed' ORDER BY batid LIMIT 3000`,
      );
      const found = await buildingsAtPoints(store, pts);
      assert.equal(found.length, pts.length);
      const own = pts.filter((p, i) => found[i]?.batid === p.batid && found[i]?.match_reason === 'inside');
      assert.equal(own.length, pts.length);
    });

    test('a point on a footprint answers its building, inside, at 0 m', async () => {
      const rows = await store.query<Point & { batid: string; bc: string; bg: string }>(
        `SELECT b.batid, b.batiment_construction_id AS bc, b.batiment_groupe_id AS bg,
                ST_X(p) AS lon, ST_Y(p) AS lat
           FROM batid.building b
           JOIN bdnb.batiment_construction c ON c.code_departement_insee = b.code_departement_insee
                                            AND c.batiment_construction_id = b.batiment_construction_id,
                LATERAL (SELECT ST_Transform(ST_PointOnSurface(c.geom_cstr), 4326) AS p) s
          WHERE b.status = 'constructed' ORDER BY b.batid LIMIT 5`,
      );
      assert.equal(rows.length, 5);
      for (const row of rows) {
        const r = await get(`/v1/buildings/at?lon=${row.lon}&lat=${row.lat}`);
        assert.equal(r.status, 200);
        assert.deepEqual(r.body.results, [
          {
            batid: row.batid,
            match_reason: 'inside',
            distance_m: 0,
            batiment_construction_id: row.bc,
            batiment_groupe_id: row.bg,
            code_departement_insee: '03',
          },
        ]);
      }
    });

    test('3 m outside an isolated footprint: closest_isolated; 9 m outside: nothing', async () => {
      // a building with no other footprint within 40 m; footprints are axis-aligned rectangles
      const row = (
        await store.query<{ batid: string; x: number; y: number }>(
          `SELECT b.batid, ST_XMax(c.geom_cstr) AS x, (ST_YMin(c.geom_cstr) + ST_YMax(c.geom_cstr)) / 2 AS y
             FROM batid.building b
             JOIN bdnb.batiment_construction c ON c.code_departement_insee = b.code_departement_insee
                                              AND c.batiment_construction_id = b.batiment_construction_id
            WHERE b.status = 'constructed' AND NOT EXISTS (
                    SELECT 1 FROM bdnb.batiment_construction o
                     WHERE o.code_departement_insee = c.code_departement_insee
                       AND o.batiment_construction_id <> c.batiment_construction_id
                       AND ST_DWithin(o.geom_cstr, c.geom_cstr, 40))
            ORDER BY b.batid LIMIT 1`,
        )
      )[0];
      assert.ok(row, 'the synthetic département has an isolated building');
      const [d1, d2] = await footprintDistances(row.x + 3, row.y);
      assert.ok(Math.abs(d1! - 3) < 1e-6 && d2! >= 30, `distances ${d1}, ${d2}`);
      const p = await wgs(row.x + 3, row.y);
      const r = await get(`/v1/buildings/at?lon=${p.lon}&lat=${p.lat}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.results.length, 1, JSON.stringify(r.body));
      assert.equal(r.body.results[0].batid, row.batid);
      assert.equal(r.body.results[0].match_reason, 'closest_isolated');
      assert.equal(r.body.results[0].distance_m, 3);

      const far = await wgs(row.x + 9, row.y);
      const none = await get(`/v1/buildings/at?lon=${far.lon}&lat=${far.lat}`);
      assert.equal(none.status, 200);
      assert.deepEqual(none.body, { results: [] });
      // /closest still sees it, 9 m away
      const c = await get(`/v1/buildings/closest?lon=${far.lon}&lat=${far.lat}&radius=20`);
      assert.deepEqual(
        c.body.results.map((b: { batid: string; distance_m: number }) => [b.batid, b.distance_m]),
        [[row.batid, 9]],
      );
    });

    test('between two close buildings: no building at the point, both nearest', async () => {
      // the first footprint whose nearest neighbour is 1.5–3 m away, and the middle of the gap
      const pair = (
        await store.query<{ a: string; b: string; x: number; y: number; d: number }>(
          `SELECT ba.batid AS a, bb.batid AS b, n.d, ST_X(m) AS x, ST_Y(m) AS y
             FROM bdnb.batiment_construction ca
             CROSS JOIN LATERAL (
                   SELECT o.code_departement_insee, o.batiment_construction_id, o.geom_cstr,
                          ST_Distance(o.geom_cstr, ca.geom_cstr) AS d
                     FROM bdnb.batiment_construction o
                    WHERE o.batiment_construction_id <> ca.batiment_construction_id
                    ORDER BY o.geom_cstr <-> ca.geom_cstr LIMIT 1) n
             JOIN batid.building ba ON ba.code_departement_insee = ca.code_departement_insee
                                   AND ba.batiment_construction_id = ca.batiment_construction_id
             JOIN batid.building bb ON bb.code_departement_insee = n.code_departement_insee
                                   AND bb.batiment_construction_id = n.batiment_construction_id,
                  LATERAL (SELECT ST_LineInterpolatePoint(ST_ShortestLine(ca.geom_cstr, n.geom_cstr), 0.5) AS m) s
            WHERE n.d BETWEEN 1.5 AND 3
            ORDER BY ca.batiment_construction_id LIMIT 1`,
        )
      )[0];
      assert.ok(pair, 'the synthetic département has buildings 1.5–3 m apart');
      const [d1, d2, d3] = await footprintDistances(pair.x, pair.y);
      assert.ok(
        d1! > 0.7 && d2! < 1.6 && d3! > d2! + 0.1,
        `between them, in neither, no third as close: ${d1}, ${d2}, ${d3}`,
      );
      const p = await wgs(pair.x, pair.y);
      const r = await get(`/v1/buildings/at?lon=${p.lon}&lat=${p.lat}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.results, []);
      const c = await get(`/v1/buildings/closest?lon=${p.lon}&lat=${p.lat}&limit=2`);
      assert.deepEqual(c.body.results.map((b: { batid: string }) => b.batid).sort(), [pair.a, pair.b].sort());
      for (const b of c.body.results)
        assert.ok(Math.abs(b.distance_m - pair.d / 2) <= 0.06, `${b.distance_m}`);
    });

    test('closest: every footprint within the radius, nearest first, limit and radius honoured', async () => {
      // the building with the most neighbours within 50 m
      const row = (
        await store.query<{ batid: string; x: number; y: number; n: number }>(
          `SELECT b.batid, ST_X(ST_PointOnSurface(c.geom_cstr)) AS x, ST_Y(ST_PointOnSurface(c.geom_cstr)) AS y,
                  (SELECT count(*) FROM bdnb.batiment_construction o
                    WHERE ST_DWithin(o.geom_cstr, ST_PointOnSurface(c.geom_cstr), 50))::int AS n
             FROM batid.building b
             JOIN bdnb.batiment_construction c ON c.code_departement_insee = b.code_departement_insee
                                              AND c.batiment_construction_id = b.batiment_construction_id
            WHERE b.status = 'constructed' ORDER BY n DESC, b.batid LIMIT 1`,
        )
      )[0]!;
      assert.ok(row.n > 10 && row.n <= 100, `neighbours within 50 m: ${row.n}`);
      const within = async (radius: number) =>
        (
          await store.query<{ batid: string; d: number }>(
            `SELECT b.batid, ST_Distance(c.geom_cstr, ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 2154)) AS d
               FROM bdnb.batiment_construction c
               JOIN batid.building b ON b.code_departement_insee = c.code_departement_insee
                                    AND b.batiment_construction_id = c.batiment_construction_id AND b.status = 'constructed'
              WHERE ST_DWithin(c.geom_cstr, ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 2154), $3::float8)`,
            [row.x, row.y, radius],
          )
        ).map((r) => r.batid);
      const p = await wgs(row.x, row.y);

      const all = await get(`/v1/buildings/closest?lon=${p.lon}&lat=${p.lat}&radius=50&limit=100`);
      assert.equal(all.status, 200);
      const results: { batid: string; distance_m: number }[] = all.body.results;
      assert.deepEqual(results.map((b) => b.batid).sort(), (await within(50)).sort());
      assert.deepEqual(results[0], { ...results[0], batid: row.batid, distance_m: 0 });
      for (let i = 1; i < results.length; i++) {
        assert.ok(results[i - 1]!.distance_m <= results[i]!.distance_m, 'ordered by distance');
        assert.ok(results[i]!.distance_m > 0 && results[i]!.distance_m <= 50);
        assert.equal(Math.round(results[i]!.distance_m * 10) / 10, results[i]!.distance_m, 'to 0.1 m');
      }

      const first = await get(`/v1/buildings/closest?lon=${p.lon}&lat=${p.lat}`);
      assert.deepEqual(first.body.results, results.slice(0, 10), 'default limit 10, default radius 50');
      const small = await get(`/v1/buildings/closest?lon=${p.lon}&lat=${p.lat}&radius=12&limit=100`);
      assert.deepEqual(
        small.body.results.map((b: { batid: string }) => b.batid).sort(),
        (await within(12)).sort(),
      );
      assert.ok(small.body.results.length < results.length, 'a smaller radius finds fewer');
    });

    test('listing a commune pages through all its buildings, by BatID, without repeats', async () => {
      const { commune, n } = (
        await store.query<{ commune: string; n: number }>(
          `SELECT g.code_commune_insee AS commune, count(*)::int AS n
             FROM batid.building b JOIN bdnb.batiment_groupe g
               ON g.code_departement_insee = b.code_departement_insee AND g.batiment_groupe_id = b.batiment_groupe_id
            WHERE b.status = 'constructed' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
        )
      )[0]!;
      assert.ok(n > 250, `buildings in ${commune}: ${n}`);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await get(
          `/v1/buildings?commune=${commune}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const page: {
          batid: string;
          status: string;
          code_commune_insee: string;
          lon: number;
          lat: number;
        }[] = r.body.results;
        assert.ok(page.length <= 100);
        for (const b of page) {
          assert.equal(b.status, 'constructed');
          assert.equal(b.code_commune_insee, commune);
          assert.ok(b.lon > 2 && b.lon < 4.5 && b.lat > 45.5 && b.lat < 46.5, `WGS84 ${b.lon},${b.lat}`);
        }
        seen.push(...page.map((b) => b.batid));
        cursor = r.body.next_cursor;
        if (cursor) assert.equal(page.length, 100, 'only the last page is short');
        pages++;
      } while (cursor);
      assert.equal(pages, Math.ceil(n / 100));
      assert.equal(new Set(seen).size, seen.length, 'no repeats');
      assert.equal(seen.length, n);
      assert.deepEqual(seen, [...seen].sort(), 'ordered by BatID');

      // each listed point lies on its own footprint
      const one = (await get(`/v1/buildings?commune=${commune}&limit=3`)).body.results as Point[];
      for (const [i, b] of one.entries()) {
        const at = await get(`/v1/buildings/at?lon=${b.lon}&lat=${b.lat}`);
        assert.equal(at.body.results[0]?.batid, seen[i]);
      }
    });

    test('listing a bbox: the footprints that meet it, paged', async () => {
      const c = (
        await store.query<Point>(
          `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
             SELECT ST_Transform(ST_PointOnSurface(c.geom_cstr), 4326) AS p FROM bdnb.batiment_construction c
              ORDER BY c.batiment_construction_id LIMIT 1) s`,
        )
      )[0]!;
      const box = [c.lon - 0.002, c.lat - 0.0015, c.lon + 0.002, c.lat + 0.0015];
      const expected = (
        await store.query<{ batid: string }>(
          `SELECT b.batid FROM bdnb.batiment_construction c
             JOIN batid.building b ON b.code_departement_insee = c.code_departement_insee
                                  AND b.batiment_construction_id = c.batiment_construction_id AND b.status = 'constructed'
            WHERE ST_Intersects(c.geom_cstr, ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 4326), 2154))
            ORDER BY b.batid`,
          box,
        )
      ).map((r) => r.batid);
      assert.ok(expected.length > 7, `buildings in the box: ${expected.length}`);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const r = await get(
          `/v1/buildings?bbox=${box.join(',')}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        for (const b of r.body.results) {
          assert.ok(b.lon > box[0]! - 0.001 && b.lon < box[2]! + 0.001, `lon ${b.lon}`);
          assert.ok(b.lat > box[1]! - 0.001 && b.lat < box[3]! + 0.001, `lat ${b.lat}`);
        }
        seen.push(...r.body.results.map((b: { batid: string }) => b.batid));
        cursor = r.body.next_cursor;
      } while (cursor);
      assert.deepEqual(seen, expected);

      const empty = await get('/v1/buildings?bbox=-4.9,47.9,-4.8,48');
      assert.deepEqual(empty.body, { results: [], next_cursor: null });
    });

    test('bad parameters: 400 with a stable code', async () => {
      const cases: [string, string][] = [
        ['/v1/buildings/at?lon=200&lat=45', 'invalid_parameter'],
        ['/v1/buildings/at?lon=3&lat=-91', 'invalid_parameter'],
        ['/v1/buildings/at?lat=45', 'invalid_parameter'],
        ['/v1/buildings/at?lon=abc&lat=45', 'invalid_parameter'],
        ['/v1/buildings/closest?lon=3&lat=45&radius=1001', 'invalid_parameter'],
        ['/v1/buildings/closest?lon=3&lat=45&radius=0', 'invalid_parameter'],
        ['/v1/buildings/closest?lon=3&lat=45&limit=101', 'invalid_parameter'],
        ['/v1/buildings', 'invalid_parameter'],
        ['/v1/buildings?commune=03185&bbox=3,45,3.1,45.1', 'invalid_parameter'],
        ['/v1/buildings?commune=03185&address=1%20rue%20de%20Paris', 'invalid_parameter'],
        ['/v1/buildings?commune=3185', 'invalid_parameter'],
        ['/v1/buildings?commune=03185&limit=1001', 'invalid_parameter'],
        ['/v1/buildings?bbox=3,45,3.1', 'invalid_parameter'],
        ['/v1/buildings?bbox=3,45,x,45.1', 'invalid_parameter'],
        ['/v1/buildings?bbox=3,45,,45.1', 'invalid_parameter'],
        ['/v1/buildings?bbox=3.1,45,3,45.1', 'invalid_parameter'],
        ['/v1/buildings?bbox=3,45,3,45.1', 'invalid_parameter'],
        ['/v1/buildings?bbox=179.9,45,181,45.1', 'invalid_parameter'],
        ['/v1/buildings?bbox=2,45,3,46', 'bbox_too_large'],
        ['/v1/buildings?bbox=2,45,2.6,45.1', 'bbox_too_large'],
        ['/v1/buildings?bbox=2,45,2.1,45.51', 'bbox_too_large'],
        ['/v1/buildings?commune=03185&cursor=%21%21%21', 'invalid_cursor'],
        [
          `/v1/buildings?commune=03185&cursor=${Buffer.from('hello').toString('base64url')}`,
          'invalid_cursor',
        ],
        // a BatID cursor must be exactly what next_cursor gives (no lower case, no dashes)
        [
          `/v1/buildings?commune=03185&cursor=${Buffer.from('abcd2345kmnp').toString('base64url')}`,
          'invalid_cursor',
        ],
      ];
      for (const [url, code] of cases) {
        const r = await get(url);
        assert.equal(r.status, 400, url);
        assert.equal(r.body.error.code, code, url);
        assert.ok(r.body.error.message.length > 5, url);
      }
      // the largest bbox accepted
      assert.equal((await get('/v1/buildings?bbox=2,45,2.5,45.5')).status, 200);
    });

    test('OpenAPI documents the three routes with their query parameters', async () => {
      const doc = (await get('/openapi.json')).body;
      const params = (path: string) =>
        doc.paths[path].get.parameters.map((p: { name: string }) => p.name).sort();
      assert.deepEqual(params('/v1/buildings/at'), ['lat', 'lon']);
      assert.deepEqual(params('/v1/buildings/closest'), ['lat', 'limit', 'lon', 'radius']);
      assert.deepEqual(params('/v1/buildings'), [
        'address',
        'bbox',
        'commune',
        'cursor',
        'limit',
        'min_score',
      ]);
      assert.ok(doc.paths['/v1/buildings/at'].get.responses['200'], 'response documented');
    });

    test('the address form goes to the given handler, its answer serialised as it is', async () => {
      const own = Fastify();
      const answer = {
        status: 'ok',
        address: { label: '1 Rue de Paris 03100 Montluçon' },
        results: [{ batid: 'ABCD2345KMNP', match_reason: 'main_address', confidence: 0.9 }],
      };
      locateRoutes(own, store, { byAddress: async () => answer });
      try {
        const r = await own.inject({ method: 'GET', url: '/v1/buildings?address=1%20rue%20de%20Paris' });
        assert.equal(r.statusCode, 200);
        assert.deepEqual(r.json(), answer);
        const l = await own.inject({ method: 'GET', url: '/v1/buildings?commune=03185&limit=1' });
        assert.deepEqual(Object.keys(l.json()).sort(), ['next_cursor', 'results']);
      } finally {
        await own.close();
      }
    });
  });
}
