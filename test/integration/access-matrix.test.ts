import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createKey, revokeKey } from '../../src/auth/keys.js';
import type { Store } from '../../src/store/store.js';
import { backends } from '../helpers/backends.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

type Level = 'public' | 'pro' | 'advisor' | 'admin' | 'operator';

/**
 * The decision for every route, written here independently of the code: a route missing from
 * this table (or a table entry with no route) fails the test, so every new route gets a decision.
 */
const MATRIX: Record<string, Level> = {
  'GET /v1/health': 'public',
  'GET /openapi.json': 'public',
  'GET /docs': 'public',
  'GET /docs/static/index.html': 'public',
  'GET /docs/static/swagger-initializer.js': 'public',
  'GET /docs/json': 'public',
  'GET /docs/yaml': 'public',
  'GET /docs/static/*': 'public',
  'GET /': 'public',
  'GET /b/:batid': 'public',
  'GET /eligibilite': 'public',
  'GET /masse': 'public',
  'GET /tableaux-de-bord': 'public',
  'GET /projets': 'public',
  'GET /api': 'public',
  'GET /stats': 'public',
  'GET /demandes': 'public',
  'GET /suivi-demande/:token': 'public',
  'GET /config.json': 'public',
  'GET /assets/*': 'public',
  // cards, search, eligibility, tiles, indicators: public
  'GET /v1/resolve': 'public',
  'GET /v1/buildings/:batid/history': 'public',
  'GET /v1/changes': 'public',
  'GET /v1/buildings/:batid': 'public',
  'GET /v1/buildings/:batid/dpe': 'public',
  'GET /v1/addresses/search': 'public',
  'GET /v1/buildings/at': 'public',
  'GET /v1/buildings/closest': 'public',
  'GET /v1/buildings': 'public',
  'GET /v1/eligibility': 'public',
  'GET /v1/indicators/networks': 'public',
  'GET /v1/indicators': 'public',
  'GET /tiles/:layer/:z/:x/:y.pbf': 'public',
  // OGC API Features: the same public data, readable by GIS clients
  'GET /ogc': 'public',
  'GET /ogc/conformance': 'public',
  'GET /ogc/collections': 'public',
  'GET /ogc/collections/:collectionId': 'public',
  'GET /ogc/collections/:collectionId/items': 'public',
  'GET /ogc/collections/:collectionId/items/:featureId': 'public',
  'GET /v1/energy/reference': 'public',
  'GET /v1/degree-days': 'public',
  // contact requests: anyone may send one; the requester follows or withdraws it with its token
  'GET /v1/demands/reference': 'public',
  'POST /v1/demands': 'public',
  'GET /v1/demands/follow/:token': 'public',
  'DELETE /v1/demands/follow/:token': 'public',
  'GET /v1/professionals': 'public',
  // public statistics: counts only, never a person
  'GET /v1/stats': 'public',
  'GET /v1/buildings/:batid/professionals': 'public',
  // pro: bulk jobs, prospects (and the owners' section of the card, tested below)
  'POST /v1/eligibility/bulk': 'pro',
  'GET /v1/jobs/:id': 'pro',
  'GET /v1/jobs/:id/result.csv': 'pro',
  'GET /v1/jobs/:id/result.xlsx': 'pro',
  'GET /v1/jobs/:id/changes': 'pro',
  'GET /v1/prospects': 'pro',
  // advisor: the copro records and projects of their territory
  'GET /v1/buildings/:batid/energy': 'advisor',
  'PUT /v1/buildings/:batid/energy': 'advisor',
  'POST /v1/buildings/:batid/energy/bills': 'advisor',
  'PUT /v1/buildings/:batid/energy/years/:year': 'advisor',
  'POST /v1/buildings/:batid/energy/works': 'advisor',
  'DELETE /v1/buildings/:batid/energy/bills/:id': 'advisor',
  'DELETE /v1/buildings/:batid/energy/works/:id': 'advisor',
  'GET /v1/buildings/:batid/energy/years.csv': 'advisor',
  'GET /v1/buildings/:batid/energy/audit': 'advisor',
  'PUT /v1/degree-days/:dept/:year': 'advisor',
  'POST /v1/projects': 'advisor',
  'GET /v1/projects': 'advisor',
  'GET /v1/projects/acts.csv': 'advisor',
  'GET /v1/projects/dashboard': 'advisor',
  'GET /v1/projects/:id': 'advisor',
  'PATCH /v1/projects/:id': 'advisor',
  'POST /v1/projects/:id/notes': 'advisor',
  'POST /v1/projects/:id/acts': 'advisor',
  // operator: the demands workspace and partner API (operators of a network, advisors of a
  // territory, admins; which demands each sees is tested in demands.test.ts)
  'GET /v1/demands': 'operator',
  'GET /v1/demands/export.csv': 'operator',
  'GET /v1/demands/export.xlsx': 'operator',
  'GET /v1/demands/reminders': 'operator',
  'GET /v1/demands/:id': 'operator',
  'PATCH /v1/demands/:id': 'operator',
  'POST /v1/demands/:id/comments': 'operator',
  // admin: keys (imports are the CLI's)
  'GET /v1/keys': 'admin',
  'POST /v1/keys': 'admin',
  'DELETE /v1/keys/:id': 'admin',
  'POST /v1/directory/import': 'admin',
};

const CLIENTS = ['none', 'revoked', 'public', 'pro', 'advisor', 'operator', 'admin'] as const;
type Client = (typeof CLIENTS)[number];

/** Which clients get past the access check of a level (the route may still answer 400/404). */
const ALLOWED: Record<Level, Client[]> = {
  public: ['none', 'public', 'pro', 'advisor', 'operator', 'admin'],
  pro: ['pro', 'admin'],
  advisor: ['advisor', 'admin'],
  admin: ['admin'],
  operator: ['operator', 'advisor', 'admin'],
};

for (const make of backends()) {
  describe(`role × route matrix [${make().name}]`, () => {
    let db: SyntheticDb;
    let store: Store;
    let app: FastifyInstance;
    let batid: string;
    const token: Partial<Record<Client, string>> = {};

    before(async () => {
      db = await syntheticDb(make, { scale: 0.005, app: { logLevel: 'silent', jobs: false } });
      ({ store, app } = db);
      batid = (await store.query<{ batid: string }>('SELECT batid FROM batid.building LIMIT 1'))[0]!.batid;
      for (const c of ['public', 'pro', 'advisor', 'operator', 'admin', 'revoked'] as const) {
        const { key, token: t } = await createKey(store, {
          role: c === 'revoked' ? 'admin' : c,
          territories: c === 'advisor' ? ['03'] : [],
          networks: c === 'operator' ? ['0301C'] : [],
          label: c,
        });
        token[c] = t;
        if (c === 'revoked') await revokeKey(store, key.id);
      }
    });
    after(async () => db?.close());

    const urlOf = (pattern: string) =>
      pattern
        .replace(':batid', batid)
        .replace(':layer/:z/:x/:y.pbf', 'buildings/16/0/0.pbf')
        .replace(':collectionId', 'buildings')
        .replace(':featureId', 'inconnu')
        .replace(':dept', '03')
        .replace(':year', pattern.includes('degree-days') ? 'reference' : '2024')
        .replace(':id', 'inconnu')
        .replace(':token', 'inconnu')
        .replace('*', 'inconnu.js');

    test('every route has a decision, and every decision a route', () => {
      const routes = app.batidRoutes.map((r) => `${r.method} ${r.url}`).sort();
      assert.deepEqual(routes, Object.keys(MATRIX).sort());
      for (const r of app.batidRoutes)
        assert.equal(r.access, MATRIX[`${r.method} ${r.url}`], `${r.method} ${r.url}: declared access`);
    });

    test('each client gets past the check exactly where the matrix says', async () => {
      const wrong: string[] = [];
      for (const [route, level] of Object.entries(MATRIX)) {
        const [method, pattern] = route.split(' ') as [string, string];
        for (const client of CLIENTS) {
          const t = token[client];
          const r = await app.inject({
            method: method as 'GET',
            url: urlOf(pattern),
            headers: {
              ...(t ? { authorization: `Bearer ${t}` } : {}),
              ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }),
            },
            ...(method === 'GET' || method === 'DELETE' ? {} : { payload: '{}' }),
          });
          // a revoked key is refused everywhere, public routes included
          const allowed = client !== 'revoked' && ALLOWED[level].includes(client);
          const refused = r.statusCode === 401 || r.statusCode === 403;
          const expected = allowed ? 'passes' : client === 'none' || client === 'revoked' ? '401' : '403';
          const got = refused ? String(r.statusCode) : 'passes';
          if (got !== expected)
            wrong.push(
              `${route} as ${client}: expected ${expected}, got ${r.statusCode} ${r.body.slice(0, 120)}`,
            );
        }
      }
      assert.deepEqual(wrong, []);
    });

    test('owner (legal-person) details: pro keys only', async () => {
      const [row] = await store.query<{ batid: string }>(
        `SELECT b.batid FROM batid.building b
           JOIN bdnb.rel_batiment_groupe_proprietaire_siren_open p
             ON p.batiment_groupe_id = b.batiment_groupe_id AND p.code_departement_insee = b.code_departement_insee
          LIMIT 1`,
      );
      assert.ok(row, 'the synthetic département has buildings owned by legal persons');
      const card = async (client?: Client) =>
        (
          await app.inject({
            url: `/v1/buildings/${row.batid}`,
            headers: client ? { authorization: `Bearer ${token[client]}` } : {},
          })
        ).json() as { sections: Record<string, unknown>; restricted?: Record<string, string> };
      const anon = await card();
      assert.equal(anon.sections.proprietaires, undefined);
      assert.match(anon.restricted?.proprietaires ?? '', /pro/);
      assert.equal((await card('advisor')).sections.proprietaires, undefined);
      assert.ok((await card('pro')).sections.proprietaires);
      assert.ok((await card('admin')).sections.proprietaires);
    });

    test('admins manage keys over HTTP; the token is shown once and every change is audited', async () => {
      const auth = { authorization: `Bearer ${token.admin}` };
      const c = await app.inject({
        method: 'POST',
        url: '/v1/keys',
        headers: auth,
        payload: { role: 'advisor', territories: ['03'], label: 'Guichet' },
      });
      assert.equal(c.statusCode, 201, c.body);
      const { id, token: t } = c.json() as { id: string; token: string };
      assert.ok(t.startsWith(`batid_${id}_`), t);
      const list = (await app.inject({ url: '/v1/keys', headers: auth })).json().results as { id: string }[];
      assert.ok(list.some((k) => k.id === id));
      // the secret is base64url and may contain '_': cut after the id, not at every '_'
      assert.ok(!JSON.stringify(list).includes(t.slice(`batid_${id}_`.length)), 'no secret in the list');
      const bad = await app.inject({
        method: 'POST',
        url: '/v1/keys',
        headers: auth,
        payload: { role: 'advisor' },
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /territory/);
      assert.equal(
        (await app.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: auth })).statusCode,
        204,
      );
      assert.equal(
        (await app.inject({ url: '/v1/projects', headers: { authorization: `Bearer ${t}` } })).statusCode,
        401,
      );
      const audit = await store.query<{ action: string }>(
        `SELECT action FROM access.audit WHERE entity = 'api_key' AND entity_id = $1 ORDER BY id`,
        [id],
      );
      assert.deepEqual(
        audit.map((a) => a.action),
        ['create', 'delete'],
      );
    });
  });
}
