import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb, type ImportSummary } from '../../src/ingest/import-dir.js';
import { buildApp } from '../../src/http/app.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { writeLifecyclePair, type LifecycleTruth } from '../helpers/lifecycle-fixture.js';

for (const make of backends()) {
  describe(`BatID lifecycle across two millésimes [${make().name}]`, () => {
    let backend: Backend;
    let store: Store;
    let app: FastifyInstance;
    let dir: string;
    let truth: LifecycleTruth;
    let second: ImportSummary;
    let betweenImports: string;
    const batidOfV1 = new Map<string, string>();
    const batidOfV2 = new Map<string, string>();

    const batidsByBc = async () =>
      new Map(
        (
          await store.query<{ external_id: string; batid: string }>(
            `SELECT external_id, batid FROM batid.id_link WHERE scheme = 'bdnb_bc'`,
          )
        ).map((r) => [r.external_id, r.batid]),
      );

    before(async () => {
      backend = make();
      store = await backend.open();
      app = await buildApp(store);
      dir = await mkdtemp(join(tmpdir(), 'batid-life-'));
      const pair = await writeLifecyclePair(dir);
      truth = pair.truth;
      await importBdnb(store, BDNB_TABLES, {
        paths: [pair.v1],
        millesime: '2023-11',
        rejectsPath: join(dir, 'r1.csv'),
      });
      for (const [bc, b] of await batidsByBc()) batidOfV1.set(bc, b);
      await new Promise((r) => setTimeout(r, 20));
      betweenImports = new Date().toISOString();
      second = await importBdnb(store, BDNB_TABLES, {
        paths: [pair.v2],
        millesime: '2024-10',
        rejectsPath: join(dir, 'r2.csv'),
      });
      for (const [bc, b] of await batidsByBc()) if (bc.startsWith('bc2-')) batidOfV2.set(bc, b);
    });
    after(async () => {
      await app?.close();
      await backend?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    test('the registry is analysed after an import: its statistics count the rows it holds now', async () => {
      // PGlite has no autovacuum: without an ANALYZE the registry is never analysed (reltuples
      // -1). The fixture is small: ANALYZE reads every row, so the count is exact
      for (const table of ['building', 'id_link', 'event']) {
        const [r] = await store.query<{ rows: number; reltuples: number }>(
          `SELECT (SELECT count(*)::int FROM batid.${table}) AS rows,
                  (SELECT reltuples::float8 FROM pg_class WHERE oid = 'batid.${table}'::regclass) AS reltuples`,
        );
        assert.ok(r!.rows > 0, table);
        assert.equal(r!.reltuples, r!.rows, `batid.${table}`);
      }
    });

    test('a footprint carrying an RNB id takes it as its BatID', () => {
      assert.equal(batidOfV1.get('bc1-0'), 'ABCD2345KMNP');
    });

    test('every surviving building keeps its BatID although every BDNB id changed', () => {
      for (const [o, n] of Object.entries(truth.same))
        assert.equal(batidOfV2.get(n), batidOfV1.get(o), `${o} → ${n}`);
    });

    test('merge, split, demolition, creation and conflict recorded as the ground truth says', async () => {
      assert.deepEqual(second.batids, [
        {
          dept: '03',
          footprints: 31,
          kept: 25,
          updated: 25,
          created: 2,
          demolished: 1,
          merged: 1,
          split: 1,
          conflicts: 1,
        },
      ]);
      const status = async (b: string) =>
        (await store.query<{ status: string }>(`SELECT status FROM batid.building WHERE batid = $1`, [b]))[0]!
          .status;
      const mergedChild = batidOfV2.get(truth.merged.new)!;
      const parents = truth.merged.olds.map((o) => batidOfV1.get(o)!);
      for (const p of parents) assert.equal(await status(p), 'retired');
      const merge = await store.query<{ parents: string[] }>(
        `SELECT parents FROM batid.event WHERE kind = 'merge' AND batid = $1`,
        [mergedChild],
      );
      assert.deepEqual(merge[0]!.parents.sort(), parents.sort());
      const splitParent = batidOfV1.get(truth.split.old)!;
      assert.equal(await status(splitParent), 'retired');
      const children = truth.split.news.map((n) => batidOfV2.get(n)!).sort();
      const split = await store.query<{ children: string[] }>(
        `SELECT children FROM batid.event WHERE kind = 'split' AND batid = $1`,
        [splitParent],
      );
      assert.deepEqual(split[0]!.children.sort(), children);
      assert.equal(await status(batidOfV1.get(truth.demolished[0]!)!), 'demolished');
      for (const c of truth.created) assert.ok(batidOfV2.get(c), `${c} has a BatID`);
      // the conflict: queued with both shapes, the old building untouched, the new footprint not given a BatID
      const conflicts = await store.query<{
        old_batids: string[];
        new_construction_ids: string[];
        has_shapes: boolean;
      }>(
        `SELECT old_batids, new_construction_ids, old_geom IS NOT NULL AND new_geom IS NOT NULL AS has_shapes FROM batid.conflict`,
      );
      assert.deepEqual(conflicts, [
        {
          old_batids: [batidOfV1.get(truth.conflict.old)!],
          new_construction_ids: [truth.conflict.new],
          has_shapes: true,
        },
      ]);
      assert.equal(await status(batidOfV1.get(truth.conflict.old)!), 'constructed');
    });

    test('no BatID lost or reused: every one ever minted is still there, each used once', async () => {
      const all = await store.query<{ batid: string }>(`SELECT batid FROM batid.building`);
      for (const b of batidOfV1.values()) assert.ok(all.some((r) => r.batid === b));
      const fresh = [...batidOfV2.entries()]
        .filter(([bc]) => !Object.values(truth.same).includes(bc))
        .map(([, b]) => b);
      for (const b of fresh) assert.ok(![...batidOfV1.values()].includes(b), `${b} reused`);
    });

    test('GET /v1/resolve: each scheme, retired ids with successors, 400 and 404', async () => {
      const get = (url: string) => app.inject({ method: 'GET', url });
      const parent = batidOfV1.get(truth.split.old)!;
      const r = await get(
        `/v1/resolve?scheme=batid&id=${parent.slice(0, 4)}-${parent.slice(4, 8)}-${parent.slice(8).toLowerCase()}`,
      );
      assert.equal(r.statusCode, 200);
      const m = r.json().matches[0];
      assert.equal(m.status, 'retired');
      assert.deepEqual(m.successors.sort(), truth.split.news.map((n) => batidOfV2.get(n)!).sort());
      const byOldBc = await get(`/v1/resolve?scheme=bdnb_bc&id=bc1-3`);
      assert.equal(byOldBc.json().matches[0].batid, batidOfV1.get('bc1-3'), 'an old BDNB id still resolves');
      const byNewBc = await get(`/v1/resolve?scheme=bdnb_bc&id=bc2-3`);
      assert.equal(byNewBc.json().matches[0].batid, batidOfV1.get('bc1-3'));
      assert.deepEqual(
        byNewBc.json().matches[0].ids.bdnb_bc.map((x: { id: string; active: boolean }) => [x.id, x.active]),
        [
          ['bc2-3', true],
          ['bc1-3', false],
        ],
      );
      const rnb = await get(`/v1/resolve?scheme=rnb&id=abcd2345kmnp`);
      assert.equal(rnb.json().matches[0].batid, 'ABCD2345KMNP');
      const bad = await get(`/v1/resolve?scheme=batid&id=ABCD-2345-KMN0`);
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'invalid_id');
      assert.equal((await get(`/v1/resolve?scheme=nope&id=x`)).statusCode, 400);
      const unknown = await get(`/v1/resolve?scheme=batid&id=ZZZZ-ZZZZ-ZZZZ`);
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().error.code, 'unknown_id');
      assert.equal((await get(`/v1/resolve?scheme=parcelle&id=not-a-parcel`)).statusCode, 400);
    });

    test('GET /v1/buildings/{batid}/history', async () => {
      const child = batidOfV2.get(truth.merged.new)!;
      const r = await app.inject({ method: 'GET', url: `/v1/buildings/${child}/history` });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(
        r.json().events.map((e: { kind: string }) => e.kind),
        ['merge'],
      );
      const kept = batidOfV1.get('bc1-1')!;
      const h = (await app.inject({ method: 'GET', url: `/v1/buildings/${kept}/history` })).json();
      assert.deepEqual(
        h.events.map((e: { kind: string; millesime: string }) => [e.kind, e.millesime]),
        [
          ['creation', '2023-11'],
          ['update', '2024-10'],
        ],
      );
      assert.equal(
        (await app.inject({ method: 'GET', url: '/v1/buildings/ZZZZZZZZZZZZ/history' })).statusCode,
        404,
      );
    });

    test('GET /v1/changes: every event since an instant, NDJSON and CSV', async () => {
      const all = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM batid.event WHERE millesime = '2024-10'`,
      );
      const r = await app.inject({
        method: 'GET',
        url: `/v1/changes?since=${encodeURIComponent(betweenImports)}`,
      });
      assert.equal(r.statusCode, 200);
      assert.match(r.headers['content-type'] as string, /ndjson/);
      const lines = r.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(lines.length, all[0]!.n);
      assert.ok(lines.every((e: { millesime: string }) => e.millesime === '2024-10'));
      const csv = await app.inject({
        method: 'GET',
        url: `/v1/changes?since=${encodeURIComponent(betweenImports)}&format=csv&dept=03`,
      });
      assert.equal(csv.body.trim().split('\n').length, all[0]!.n + 1);
      assert.equal((await app.inject({ method: 'GET', url: '/v1/changes?since=yesterday' })).statusCode, 400);
    });

    test('re-importing the same millésime changes nothing', async () => {
      const before = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM batid.event`);
      const again = await importBdnb(store, BDNB_TABLES, {
        paths: [join(dir, 'v2')],
        millesime: '2024-10',
        rejectsPath: join(dir, 'r3.csv'),
      });
      assert.deepEqual(again.batids, [
        {
          dept: '03',
          footprints: 31,
          kept: 30,
          updated: 0,
          created: 0,
          demolished: 0,
          merged: 0,
          split: 0,
          conflicts: 1,
        },
      ]);
      const after = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM batid.event`);
      assert.equal(after[0]!.n, before[0]!.n);
      const conflicts = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM batid.conflict`);
      assert.equal(conflicts[0]!.n, 1, 'the same conflict is not queued twice');
    });
  });
}
