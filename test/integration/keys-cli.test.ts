import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyToken } from '../../src/auth/keys.js';
import { openStore } from '../../src/store/open-store.js';
import { backends, type Backend } from '../helpers/backends.js';
import { batidCli } from '../helpers/cli.js';

for (const make of backends()) {
  describe(`batid keys (CLI) [${make().name}]`, () => {
    let backend: Backend;
    before(async () => {
      backend = make();
      await (await backend.open()).close();
    });
    after(async () => backend?.dispose());
    const cli = (...a: string[]) => batidCli(backend, 'keys', a);

    test('create prints the token once; list shows the key without it; revoke ends it', async () => {
      const c = cli(
        'create',
        '--role',
        'advisor',
        '--territory',
        '03,200071512',
        '--label',
        'Guichet Allier',
      );
      assert.equal(c.status, 0, c.stderr);
      const token = c.stdout.trim();
      assert.match(token, /^batid_[a-z0-9]{10}_[A-Za-z0-9_-]{32,}$/);
      assert.match(c.stderr, /shown only once/);
      const id = token.split('_')[1]!;
      // the secret is base64url: it may itself contain '_', so cut after the id, not at every '_'
      const secret = token.slice(`batid_${id}_`.length);
      assert.equal(secret.length, 32);
      const l = cli('list', '--format', 'json');
      assert.equal(l.status, 0, l.stderr);
      assert.ok(!l.stdout.includes(secret), 'the secret is never listed');
      const keys = JSON.parse(l.stdout) as { id: string; role: string; territories: string[] }[];
      assert.deepEqual(
        keys.map((k) => [k.id, k.role, k.territories]),
        [[id, 'advisor', ['03', '200071512']]],
      );
      // the database the CLI wrote (backend.open() would make a fresh one)
      const reopen = () => openStore(backend.connection());
      let store = await reopen();
      assert.equal((await verifyToken(store, token))?.id, id);
      // the last character changed (to another one: a token may end in 'x')
      const wrong = `${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`;
      assert.equal(await verifyToken(store, wrong), null, 'a wrong secret is refused');
      await store.close();
      assert.equal(cli('revoke', id).status, 0);
      assert.equal(cli('revoke', id).status, 1, 'already revoked');
      store = await reopen();
      assert.equal(await verifyToken(store, token), null);
      await store.close();
    });

    test('bad role or territory: exit 2 with the reason', () => {
      const r = cli('create', '--role', 'king');
      assert.equal(r.status, 2);
      assert.match(r.stderr, /role: expected one of public, pro, advisor, admin/);
      const t = cli('create', '--role', 'advisor', '--territory', '999');
      assert.equal(t.status, 2);
      assert.match(t.stderr, /territory: "999"/);
      const n = cli('create', '--role', 'advisor');
      assert.equal(n.status, 2);
      assert.match(n.stderr, /advisor key needs a territory/);
    });
  });
}
