import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressIndex, type AddressRecord } from '../../src/address/address-index.js';
import { lonLatToLambert93 } from '../../src/geo/crs.js';
import { HeatingCache } from '../../src/networks/eligibility-service.js';
import { NetworkIndex, type NetworkFeature } from '../../src/networks/network-index.js';
import { LiveResultsXlsx } from '../../src/jobs/live-results-xlsx.js';
import { warmUpBulk } from '../../src/jobs/warm-up.js';
import type { Store } from '../../src/store/store.js';

const STREETS = ['rue Pasteur', 'allée des Tilleuls', 'avenue de la République', 'chemin du Moulin'];
const COMMUNES = [
  ['03185', '03100', 'Montluçon'],
  ['03190', '03000', 'Moulins'],
  ['03310', '03200', 'Vichy'],
] as const;

const records: AddressRecord[] = Array.from({ length: 480 }, (_v, i) => {
  const [insee, postcode, commune] = COMMUNES[i % 3]!;
  const street = STREETS[Math.floor(i / 3) % 4]!;
  const numero = 1 + Math.floor(i / 12);
  return {
    id: `${insee}_${i}`,
    numero,
    rep: null,
    street,
    postcode,
    insee,
    commune,
    lon: 3.3 + i / 10_000,
    lat: 46.3,
    label: `${numero} ${street} ${postcode} ${commune}`,
    batids: i % 2 ? [`03B${i}`] : [],
  };
});

const [x0, y0] = lonLatToLambert93(3.3, 46.3);
const network: NetworkFeature = {
  layer: 'reseau_de_chaleur',
  ref: {
    id_fcu: 1,
    sncu_id: '0301C',
    name: 'Réseau',
    operator: 'X',
    enrr_rate: 60,
    co2_acv: 0.1,
    future: false,
  },
  communes: ['03185'],
  hasTrace: true,
  open: true,
  isZone: null,
  pdpNetworkIds: [],
  pdpFutureIds: [],
  geom: { kind: 'LINESTRING', parts: [[[x0, y0 + 50, x0 + 3000, y0 + 50]]] },
};

/** A store that answers the registry version and heating reads, and fails any other statement. */
function readOnlyStore() {
  const reads: string[] = [];
  const refuse = async (sql: unknown) => {
    throw new Error(`the warm-up must not touch the database: ${String(sql).slice(0, 60)}`);
  };
  const db = {
    kind: 'embedded',
    location: 'fake',
    async prepared(name: string) {
      assert.equal(name, 'registry_version');
      return [{ v: '1:0' }];
    },
    async copyOut(_sql: string, params: readonly unknown[]) {
      reads.push(String(params[0]));
      return records.filter((_r, i) => i % 4 === 1).map((_r, i) => [`03B${4 * i + 1}`, 'collectif', 'gaz']);
    },
    query: refuse,
    copyFrom: refuse,
    transaction: refuse,
  } as unknown as Store;
  return { db, reads };
}

test('the warm-up runs the bulk path on rows drawn from the index, writes nothing, keeps the workbook worker', async () => {
  const { db, reads } = readOnlyStore();
  const cache = await new HeatingCache(db).fresh();
  const ctx = {
    db,
    addresses: new AddressIndex(records),
    networks: new NetworkIndex([network]),
    networksVersion: 1,
    // as the server runs it: through what the cache holds, reading nothing
    heating: cache.keptOnly(),
  };
  assert.equal(await warmUpBulk(ctx, 200), 200);
  assert.deepEqual(reads, [], 'no département read for the warm-up');
  await cache.lookup(['03']);
  // fewer addresses than rows asked: each address once
  assert.equal(await warmUpBulk(ctx, 5000), records.length);
  assert.deepEqual(reads, ['03'], 'only the read asked of the cache');
  assert.equal(LiveResultsXlsx.workerKept, true);
  assert.equal(await warmUpBulk({ ...ctx, addresses: null }), 0);
  assert.equal(await warmUpBulk({ ...ctx, addresses: new AddressIndex([]) }), 0);
});
