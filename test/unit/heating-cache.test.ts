import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { HeatingCache } from '../../src/networks/eligibility-service.js';

/**
 * A store whose registry version is `version` and whose départements have `buildings[dept]`
 * buildings with a heating each; counts the département reads.
 */
function fakeStore(buildings: Record<string, number>) {
  const state = { version: '1:0', reads: [] as string[], failNext: false };
  const db = {
    kind: 'embedded',
    location: 'fake',
    async prepared(name: string) {
      assert.equal(name, 'registry_version');
      return [{ v: state.version }];
    },
    async copyOut(sql: string, params: readonly unknown[]) {
      assert.match(sql, /b\.code_departement_insee = \$1/);
      const dept = String(params[0]);
      state.reads.push(dept);
      if (state.failNext) {
        state.failNext = false;
        throw new Error('connection lost');
      }
      return Array.from({ length: buildings[dept] ?? 0 }, (_, i) => [
        `${dept}B${i}`,
        'collectif',
        `gaz ${state.version}`,
      ]);
    },
  } as unknown as Store;
  return { db, state };
}

const b = (dept: string, i: number) => ({ batid: `${dept}B${i}`, dept });

test('a département is read once, its heating kept for the next job while the registry is unchanged', async () => {
  const { db, state } = fakeStore({ '03': 3, '63': 2 });
  const cache = new HeatingCache(db);
  await cache.fresh();
  const first = await cache.get([b('03', 0), b('03', 2), b('63', 1), b('03', 9)]);
  assert.deepEqual([...first.keys()], ['03B0', '03B2', '63B1']);
  assert.equal(first.get('03B2')!.energy, 'gaz 1:0');
  assert.equal(first.get('03B2')!.source, 'bdnb.batiment_groupe_dpe_representatif_logement');
  // the next chunk, then the next job
  await cache.get([b('03', 1)]);
  await cache.fresh();
  assert.equal((await cache.get([b('63', 0), b('03', 1)])).size, 2);
  assert.deepEqual(state.reads, ['03', '63']);
  // an import (or a lifecycle run) since: read again
  state.version = '2:0';
  await cache.fresh();
  assert.equal((await cache.get([b('03', 1)])).get('03B1')!.energy, 'gaz 2:0');
  assert.deepEqual(state.reads, ['03', '63', '03']);
  assert.deepEqual(cache.kept, ['03']);
});

test('past its limit the cache drops the least recently used départements, never the one just read', async () => {
  const { db, state } = fakeStore({ '01': 4, '02': 4, '03': 4, '75': 9 });
  const cache = new HeatingCache(db, 10);
  await cache.get([b('01', 0)]);
  await cache.get([b('02', 0)]);
  await cache.get([b('01', 1)]); // 01 used last: 02 is the oldest
  await cache.get([b('03', 0)]);
  assert.deepEqual(cache.kept, ['01', '03']);
  // bigger than the limit alone: kept while it is the one in use
  await cache.get([b('75', 3)]);
  assert.deepEqual(cache.kept, ['75']);
  await cache.get([b('01', 0)]);
  assert.deepEqual(cache.kept, ['01']);
  assert.deepEqual(state.reads, ['01', '02', '03', '75', '01']);
});

test('a failed read is not kept: the next job reads the département again', async () => {
  const { db, state } = fakeStore({ '03': 2 });
  const cache = new HeatingCache(db);
  state.failNext = true;
  await assert.rejects(cache.get([b('03', 0)]), /connection lost/);
  assert.deepEqual(cache.kept, []);
  assert.equal((await cache.get([b('03', 0)])).size, 1);
  assert.deepEqual(state.reads, ['03', '03']);
});

test('keptOnly: the kept départements as they are, nothing read, nothing moved', async () => {
  const { db, state } = fakeStore({ '03': 3, '63': 2 });
  const cache = new HeatingCache(db);
  await cache.get([b('63', 0)]);
  await cache.get([b('03', 0)]);
  const heatingOf = await cache.keptOnly().lookup(['63', '01', '63']);
  assert.equal(heatingOf('63', '63B1')?.installation, 'collectif');
  assert.equal(heatingOf('63', '63B9'), undefined);
  assert.equal(heatingOf('01', '01B0'), undefined);
  assert.equal(heatingOf('03', '03B0'), undefined, 'a département not asked for');
  assert.deepEqual(state.reads, ['63', '03']);
  assert.deepEqual(cache.kept, ['63', '03'], 'the least recently used order is unchanged');
});
