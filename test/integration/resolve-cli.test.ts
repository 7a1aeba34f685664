import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { backends, type Backend } from '../helpers/backends.js';
import { batidCli } from '../helpers/cli.js';
import { writeLifecyclePair } from '../helpers/lifecycle-fixture.js';

for (const make of backends()) {
  describe(`batid resolve (CLI) [${make().name}]`, () => {
    let backend: Backend;
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-cli-'));
      const pair = await writeLifecyclePair(dir);
      backend = make();
      const store = await backend.open();
      await importBdnb(store, BDNB_TABLES, {
        paths: [pair.v1],
        millesime: '2023-11',
        rejectsPath: join(dir, 'r.csv'),
      });
      await store.close();
    });
    after(async () => {
      await backend?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    const cli = (...a: string[]) => batidCli(backend, 'resolve', a);

    test('prints the BatID(s) and every linked id as JSON', () => {
      const r = cli('rnb', 'abcd-2345-kmnp');
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.matches.length, 1);
      assert.equal(out.matches[0].batid, 'ABCD2345KMNP');
      assert.deepEqual(
        out.matches[0].ids.bdnb_bc.map((x: { id: string }) => x.id),
        ['bc1-0'],
      );
    });

    test('malformed id: exit 2 and the reason; unknown id: exit 1', () => {
      const bad = cli('batid', 'ABCD-2345-KMN0');
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /"0" is not a BatID symbol/);
      const unknown = cli('bdnb_bc', 'nope');
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /no building for bdnb_bc nope/);
    });
  });
}
