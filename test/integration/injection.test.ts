import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { importNetworks } from '../../src/networks/import-networks.js';
import { createKey } from '../../src/auth/keys.js';
import type { Store } from '../../src/store/store.js';
import { backends } from '../helpers/backends.js';
import { bdnbChecksums } from '../helpers/db-checksum.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

/** Strings that break SQL built by concatenation, and a few that break naive parsers. */
const HOSTILE = [
  "'; DROP TABLE batid.building; --",
  "' OR '1'='1",
  "03185'; DELETE FROM bdnb.adresse WHERE '1'='1",
  '"); SELECT pg_sleep(5); --',
  '1); TRUNCATE copro.record CASCADE; --',
  '$1',
  '%',
  '\\',
  '../../etc/passwd',
  'ABCD2345KMNP\u0000',
  '<script>alert(1)</script>',
  'é'.repeat(300),
];

interface Param {
  name: string;
  in: 'query' | 'path';
  required?: boolean;
  schema?: { type?: string | string[]; enum?: unknown[] };
}

/** Every text parameter of every GET route of the OpenAPI document, each with hostile values. */
for (const make of backends()) {
  describe(`hostile strings in every text parameter [${make().name}]`, () => {
    let db: SyntheticDb;
    let store: Store;
    let app: FastifyInstance;
    let auth: Record<string, string>;
    let batid: string;
    let tables: Record<string, string>;
    const counts = async () =>
      store.query<{ t: string; n: number }>(
        `SELECT 'building' AS t, count(*)::int AS n FROM batid.building
         UNION ALL SELECT 'id_link', count(*)::int FROM batid.id_link
         UNION ALL SELECT 'api_key', count(*)::int FROM access.api_key
         UNION ALL SELECT 'record', count(*)::int FROM copro.record ORDER BY 1`,
      );
    let countsBefore: { t: string; n: number }[];

    before(async () => {
      db = await syntheticDb(make, { scale: 0.005, app: { logLevel: 'silent' } });
      ({ store, app } = db);
      const layers = (await readdir(db.export))
        .filter((f) => f.endsWith('.geojson'))
        .map((f) => join(db.export, f));
      await importNetworks(store, layers);
      auth = { authorization: `Bearer ${(await createKey(store, { role: 'admin', label: 'fuzz' })).token}` };
      batid = (await store.query<{ batid: string }>('SELECT batid FROM batid.building LIMIT 1'))[0]!.batid;
      tables = await bdnbChecksums(store);
      countsBefore = await counts();
    });
    after(async () => db?.close());

    test('no 5xx, and the tables are intact', async () => {
      const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
        paths: Record<string, Record<string, { parameters?: Param[] }>>;
      };
      let tried = 0;
      const failures: string[] = [];
      for (const [path, methods] of Object.entries(spec.paths)) {
        const get = methods.get;
        if (!get || path.startsWith('/docs')) continue;
        const params = get.parameters ?? [];
        const textParams = params.filter(
          (p) => !p.schema?.enum && [p.schema?.type].flat().some((t) => t === 'string' || t === undefined),
        );
        // a valid value for every parameter, then each text parameter in turn gets each hostile string
        const valid = (p: Param): string => {
          if (p.schema?.enum) return String(p.schema.enum[0]);
          if (p.in === 'path') return p.name === 'batid' ? batid : p.name === 'year' ? 'reference' : 'x';
          const t = [p.schema?.type].flat()[0];
          if (t === 'number' || t === 'integer') return '1';
          if (t === 'boolean') return 'false';
          return 'a';
        };
        for (const target of textParams)
          for (const bad of HOSTILE) {
            let url = path;
            const qs = new URLSearchParams();
            for (const p of params) {
              const v = p === target ? bad : valid(p);
              if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(v));
              else if (p.required || p === target) qs.set(p.name, v);
            }
            const full = `${url}${qs.size ? `?${qs}` : ''}`;
            const r = await app.inject({ method: 'GET', url: full, headers: auth });
            tried++;
            if (r.statusCode >= 500) failures.push(`${r.statusCode} GET ${full}: ${r.body.slice(0, 200)}`);
          }
      }
      assert.ok(tried > 200, `tried ${tried} requests`);
      assert.deepEqual(failures, []);
      assert.deepEqual(await counts(), countsBefore);
      assert.deepEqual(await bdnbChecksums(store), tables);
    });

    test('hostile text in bodies is stored as text, exactly', async () => {
      for (const bad of HOSTILE.filter((s) => !s.includes('\u0000'))) {
        const r = await app.inject({
          method: 'POST',
          url: '/v1/projects',
          headers: auth,
          payload: { batid, title: bad },
        });
        if (bad.length > 200) {
          assert.equal(r.statusCode, 400, r.body);
          continue;
        }
        assert.equal(r.statusCode, 201, r.body);
        assert.equal(r.json().title, bad.trim());
      }
      // a NUL byte cannot be stored in PostgreSQL text: refused cleanly, not a 500
      const nul = await app.inject({
        method: 'POST',
        url: '/v1/projects',
        headers: auth,
        payload: { batid, title: 'a\u0000b' },
      });
      assert.equal(nul.statusCode, 400, nul.body);
      assert.match(nul.json().error.message, /^title: a NUL character/);
      assert.deepEqual(await bdnbChecksums(store), tables);
    });
  });
}
