import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { openStore } from '../../src/store/open-store.js';
import { backends } from '../helpers/backends.js';
import { bdnbChecksums } from '../helpers/db-checksum.js';
import { writeGridExport } from '../helpers/gen-csv.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs `batid import` in a child process and SIGKILLs it once `killAfter` matches its output (or after ms). */
function importThenKill(
  dir: string,
  env: NodeJS.ProcessEnv,
  args: string[],
  killAfter: RegExp | number,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/batid-dev.ts', 'import', dir, ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let killed = false;
    if (typeof killAfter === 'number') {
      setTimeout(() => {
        killed = child.exitCode === null;
        child.kill('SIGKILL');
      }, killAfter);
    }
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && typeof killAfter !== 'number' && killAfter.test(out)) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), 150);
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolve(killed));
  });
}

for (const make of backends()) {
  const name = make().name;
  describe(`import killed with SIGKILL half-way, then re-run [${name}]`, () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-kill-'));
      await writeGridExport(dir, 40_000);
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    test('ends identical to an uninterrupted import', async () => {
      // reference: a clean import
      const clean = make();
      const ref = await clean.open();
      await importBdnb(ref, BDNB_TABLES, { paths: [dir], rejectsPath: join(dir, 'r0.csv') });
      const want = await bdnbChecksums(ref);
      await clean.dispose();

      const victim = make();
      let store = await victim.open();
      // the child opens the same database: release it first (PGlite allows one process)
      await store.close();
      const conn = victim.connection();
      const args = conn.dbDir ? ['--db', conn.dbDir] : [];
      const env = { DATABASE_URL: conn.databaseUrl ?? '' };
      // killed while copying the second table, then while on the first one
      assert.ok(
        await importThenKill(
          dir,
          env,
          [...args, '--rejects', join(dir, 'r1.csv')],
          /batiment_groupe: \d+ imported/,
        ),
      );
      await importThenKill(dir, env, [...args, '--rejects', join(dir, 'r1.csv')], 2500);
      store = await openStore(conn);
      await importBdnb(store, BDNB_TABLES, { paths: [dir], rejectsPath: join(dir, 'r2.csv') });
      assert.deepEqual(await bdnbChecksums(store), want);
      await store.close();
      await victim.dispose();
    });
  });
}
