import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { resolve } from '../../src/ids/resolve.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { sharedData, skipReason } from '../helpers/shared-data.js';

const RNB = sharedData('rnb');

for (const make of backends()) {
  describe(
    `RNB update fixture: same building, new BDNB id [${make().name}]`,
    { skip: RNB ? false : skipReason('rnb') },
    () => {
      let backend: Backend;
      let store: Store;
      let tmp: string;
      before(async () => {
        backend = make();
        store = await backend.open();
        tmp = await mkdtemp(join(tmpdir(), 'batid-rnb-'));
      });
      after(async () => {
        await backend?.dispose();
        if (tmp) await rm(tmp, { recursive: true, force: true });
      });

      test('the footprint that came back as NOUVEL_ID keeps its BatID; the others are demolished, still resolvable', async () => {
        await importBdnb(store, BDNB_TABLES, {
          paths: [join(RNB!, 'batiment_construction_bdnb_7.csv')],
          millesime: '2022',
          rejectsPath: join(tmp, 'a.csv'),
        });
        const before = (await resolve(store, 'bdnb_bc', 'BATIMENT0000000008834985-1'))[0]!;
        assert.equal(before.status, 'constructed');
        const s = await importBdnb(store, BDNB_TABLES, {
          paths: [join(RNB!, 'batiment_construction_bdnb_update_7.csv')],
          tableOf: { 'batiment_construction_bdnb_update_7.csv': 'batiment_construction' },
          millesime: '2023',
          rejectsPath: join(tmp, 'b.csv'),
        });
        assert.deepEqual(s.batids, [
          {
            dept: '01',
            footprints: 1,
            kept: 1,
            updated: 1,
            created: 0,
            demolished: 3,
            merged: 0,
            split: 0,
            conflicts: 0,
          },
        ]);
        const after = await resolve(store, 'bdnb_bc', 'NOUVEL_ID');
        assert.deepEqual(
          after.map((m) => [m.batid, m.status]),
          [[before.batid, 'constructed']],
        );
        const gone = await resolve(store, 'bdnb_bc', 'BATIMENT0000000008834991-1');
        assert.equal(gone[0]!.status, 'demolished');
      });
    },
  );
}
