// France Chaleur Urbaine's own eligibility fixtures (Marseille, WGS84): every test point must get
// FCU's type, network and distance (within 1 m), on both backends, through the HTTP API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { importNetworks } from '../../src/networks/import-networks.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { sharedData, skipReason } from '../helpers/shared-data.js';

const FCU = sharedData('fcu');
const FIXTURES = 'fcu_eligibility_fixtures_marseille_synthetic.geojson';
const EXPECTED = 'fcu_eligibility_scenarios_expected.json';

interface Expected {
  type: string;
  eligibility: { distance: number | null; eligible: boolean; id_fcu: number | null };
  assignment: { network_id: number | null };
  heatNetwork: { inPDP: boolean; futurNetwork: boolean; hasNoTraceNetwork: boolean | null };
}

interface TestPoint {
  type: string;
  name: string | null;
  lon: number;
  lat: number;
}

/** Pairs each test point with its expected answer: by type, and for the two "loin" points by name (sous_500). */
function pair(points: TestPoint[], expected: Expected[]): [TestPoint, Expected][] {
  const left = [...expected];
  return points.map((p) => {
    const same = left.filter((e) => e.type === p.type);
    const e =
      same.length > 1
        ? same.find((x) =>
            p.name?.includes('sous_500') ? x.eligibility.distance! < 500 : x.eligibility.distance! >= 500,
          )!
        : same[0]!;
    left.splice(left.indexOf(e), 1);
    return [p, e];
  });
}

for (const make of backends()) {
  describe(`FCU eligibility fixtures [${make().name}]`, { skip: !FCU && skipReason('fcu') }, () => {
    let backend: Backend;
    let store: Store;
    let app: FastifyInstance;
    let cases: [TestPoint, Expected][];
    before(async () => {
      backend = make();
      store = await backend.open();
      const r = await importNetworks(store, [join(FCU!, FIXTURES)]);
      assert.equal(r.files[0]!.crs, 'EPSG:4326 (from the coordinates)');
      assert.deepEqual(r.files[0]!.problems, []);
      app = await buildApp(store, { logLevel: 'silent' });
      const doc = JSON.parse(await readFile(join(FCU!, FIXTURES), 'utf8')) as {
        features: { properties: Record<string, string>; geometry: { coordinates: number[] } }[];
      };
      const points = doc.features
        .filter((f) => f.properties.type === 'test')
        .map((f) => ({
          type: f.properties.expectedEligibilityType!,
          name: f.properties.name ?? null,
          lon: f.geometry.coordinates[0]!,
          lat: f.geometry.coordinates[1]!,
        }));
      const expected = JSON.parse(await readFile(join(FCU!, EXPECTED), 'utf8')) as Expected[];
      assert.equal(points.length, 12);
      cases = pair(points, expected);
    });
    after(async () => {
      await app?.close();
      await store?.close();
      await backend?.dispose();
    });

    test('all 12 test points: same type, same network, distance within 1 m, same assignment', async () => {
      for (const [p, e] of cases) {
        const res = await app.inject({ url: `/v1/eligibility?lon=${p.lon}&lat=${p.lat}` });
        assert.equal(res.statusCode, 200, res.body);
        const a = res.json();
        const where = `${p.type}${p.name ? ` (${p.name})` : ''}`;
        assert.equal(a.type, e.type, where);
        assert.equal(a.eligible, e.eligibility.eligible, where);
        assert.equal(a.network?.id_fcu ?? null, e.eligibility.id_fcu, where);
        if (e.eligibility.distance === null) assert.equal(a.distance_m, null, where);
        else
          assert.ok(
            Math.abs(a.distance_m - e.eligibility.distance) <= 1,
            `${where}: ${a.distance_m} m, FCU ${e.eligibility.distance} m`,
          );
        assert.equal(a.in_pdp, e.heatNetwork.inPDP, where);
        assert.equal(a.future_network, e.heatNetwork.futurNetwork, where);
        assert.equal(a.assigned_network_id, e.assignment.network_id, where);
        if (e.heatNetwork.hasNoTraceNetwork !== null)
          assert.equal(a.untraced_network_in_commune, e.heatNetwork.hasNoTraceNetwork, where);
        if (e.type === 'dans_ville_reseau_existant_sans_trace') assert.equal(a.place.commune, '13055', where);
        assert.ok(a.message.length > 20, where);
      }
    });
  });
}
