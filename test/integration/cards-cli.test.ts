import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { staleCardDepartements } from '../../src/buildings/card.js';
import { openStore } from '../../src/store/open-store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { batidCli } from '../helpers/cli.js';
import { writeLifecyclePair } from '../helpers/lifecycle-fixture.js';

for (const make of backends()) {
  describe(`batid cards (CLI) [${make().name}]`, () => {
    let backend: Backend;
    let dir: string;
    let dept: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-cards-'));
      const pair = await writeLifecyclePair(dir);
      backend = make();
      const store = await backend.open();
      const s = await importBdnb(store, BDNB_TABLES, {
        paths: [pair.v1],
        millesime: '2023-11',
        rejectsPath: join(dir, 'r.csv'),
      });
      assert.equal(s.cards.length, 1, 'the import built the card bodies of its département');
      dept = s.cards[0]!.dept;
      // as in a database imported before the card bodies existed
      await store.exec(`DROP TABLE batid.card_body_${dept.toLowerCase()}; DELETE FROM batid.card_build`);
      assert.deepEqual(await staleCardDepartements(store), [dept]);
      await store.close();
    });
    after(async () => {
      await backend?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    const cli = (...a: string[]) => batidCli(backend, 'cards', a);

    test('builds the card bodies a département lacks, then finds them current', async () => {
      const r = cli();
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`cards ${dept}: \\d+ building groups' card bodies built`));
      const again = cli();
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /card bodies are current/);
      const conn = backend.connection();
      const store = await openStore(conn.dbDir ? { dbDir: conn.dbDir } : { databaseUrl: conn.databaseUrl! });
      try {
        assert.deepEqual(await staleCardDepartements(store), []);
      } finally {
        await store.close();
      }
    });

    test('--dept builds that one, current or not; a bad code is refused', () => {
      const r = cli('--dept', dept);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`cards ${dept}: `));
      const bad = cli('--dept', '1000');
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /not a département code/);
    });
  });
}
