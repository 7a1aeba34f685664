import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { verifyToken } from '../../src/auth/keys.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** A demand row as the service writes it, with chosen dates (the CLI is what is tested here). */
async function insertDemand(
  store: Store,
  d: { id: string; sncu: string; created: string; status: string; closed: string | null },
): Promise<void> {
  await store.query(
    `INSERT INTO demands.demand (id, follow_token_hash, requester_type, name, email, address, consent, consent_at,
       eligibility_type, eligible, networks_version, assigned_to, network_id_fcu, network_sncu_id, status,
       status_changed_at, created_at, updated_at, closed_at, code_departement_insee)
     VALUES ($1, md5($1), 'bailleur_social', 'Office HLM', 'contact@hlm.test', '1 place de la Mairie, Moulins', true,
       $3::timestamptz, 'reseau_existant_proche', true, 1, 'network', 1000, $2, $4, coalesce($5, $3)::timestamptz,
       $3::timestamptz, coalesce($5, $3)::timestamptz, $5::timestamptz, '03')`,
    [d.id, d.sncu, d.created, d.status, d.closed],
  );
}

for (const make of backends()) {
  describe(`batid keys --role operator, batid demands remind|purge (CLI) [${make().name}]`, () => {
    let backend: Backend;
    let args: string[];
    let env: NodeJS.ProcessEnv;
    before(async () => {
      backend = make();
      await (await backend.open()).close();
      const conn = backend.connection();
      args = conn.dbDir ? ['--db', conn.dbDir] : [];
      env = { ...process.env, DATABASE_URL: conn.databaseUrl ?? '' };
      delete env.BATID_SMTP_URL;
      delete env.BATID_DEMANDS_RETENTION_DAYS;
    });
    after(async () => backend?.dispose());
    const cli = (...a: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/batid-dev.ts', ...a, ...args], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      });
    const withStore = async <T>(fn: (s: Store) => Promise<T>): Promise<T> => {
      const s = await openStore(backend.connection());
      try {
        return await fn(s);
      } finally {
        await s.close();
      }
    };

    test('an operator key is bound to its networks and carries a contact e-mail', async () => {
      const c = cli(
        'keys',
        'create',
        '--role',
        'operator',
        '--network',
        '0301c,0302C',
        '--email',
        'exploitation@reseau.test',
      );
      assert.equal(c.status, 0, c.stderr);
      assert.match(c.stderr, /networks 0301C, 0302C, contact exploitation@reseau\.test/);
      const token = c.stdout.trim();
      const key = await withStore((s) => verifyToken(s, token));
      assert.deepEqual(key?.networks, ['0301C', '0302C']);
      assert.equal(key?.role, 'operator');
      const none = cli('keys', 'create', '--role', 'operator');
      assert.equal(none.status, 2);
      assert.match(none.stderr, /operator key needs the SNCU id/);
      const wrong = cli('keys', 'create', '--role', 'pro', '--network', '0301C');
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, /only operator keys are bound to networks/);
    });

    test('remind without SMTP lists the due reminders and sends nothing; purge erases expired demands', async () => {
      await withStore(async (s) => {
        await insertDemand(s, {
          id: 'd-open',
          sncu: '0301C',
          created: '2026-01-05T10:00:00Z',
          status: 'a_traiter',
          closed: null,
        });
        await insertDemand(s, {
          id: 'd-closed',
          sncu: '0301C',
          created: '2024-01-05T10:00:00Z',
          status: 'non_realisable',
          closed: '2024-02-01T10:00:00Z',
        });
      });
      const r = cli('demands', 'remind', '--now', '2026-02-10T00:00:00Z');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /no SMTP server/);
      assert.match(
        r.stdout,
        /^d-open\treminder 1\tdue 2026-02-05T10:00:00.000Z\texploitation@reseau\.test$/m,
      );
      assert.match(r.stdout, /1 reminder\(s\) due, none sent \(no SMTP server\)/);
      assert.equal(await withStore(async (s) => (await s.query('SELECT 1 FROM demands.reminder')).length), 0);
      const p = cli('demands', 'purge', '--now', '2026-02-10T00:00:00Z');
      assert.equal(p.status, 0, p.stderr);
      assert.match(p.stdout, /erased 1 demand\(s\) closed more than 365 days ago and 0 left idle/);
      const left = await withStore((s) =>
        s.query<{ id: string }>('SELECT id FROM demands.demand ORDER BY id'),
      );
      assert.deepEqual(
        left.map((x) => x.id),
        ['d-open'],
      );
      const bad = cli('demands', 'purge', '--retention-days', 'zero');
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /BATID_DEMANDS_RETENTION_DAYS: expected a whole number/);
    });
  });
}
