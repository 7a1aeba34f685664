import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createKey } from '../../src/auth/keys.js';
import { buildApp } from '../../src/http/app.js';
import { parseRateLimits } from '../../src/http/rate-limit.js';
import type { Store } from '../../src/store/store.js';
import { backends, type Backend } from '../helpers/backends.js';

test('BATID_RATE_LIMIT: off, defaults, ip=N,key=N; anything else is refused', () => {
  assert.equal(parseRateLimits('off'), false);
  assert.deepEqual(parseRateLimits(undefined), { perIp: 1200, perKey: 12000 });
  assert.deepEqual(parseRateLimits('ip=60'), { perIp: 60, perKey: 12000 });
  assert.deepEqual(parseRateLimits('ip=60, key=600'), { perIp: 60, perKey: 600 });
  assert.throws(() => parseRateLimits('ip=fast'), /BATID_RATE_LIMIT: expected/);
  assert.throws(() => parseRateLimits('ip=0'), /BATID_RATE_LIMIT/);
});

for (const make of backends()) {
  describe(`limits and security headers [${make().name}]`, () => {
    let backend: Backend;
    let store: Store;
    let app: FastifyInstance;
    let token: string;
    let admin: string;
    before(async () => {
      backend = make();
      store = await backend.open();
      app = await buildApp(store, { rateLimit: { perIp: 5, perKey: 8 }, handlerTimeoutMs: 200 });
      // a route slower than the handler timeout, to see what the client gets
      app.get('/test/slow', async () => new Promise((ok) => setTimeout(() => ok({ late: true }), 1000)));
      token = (await createKey(store, { role: 'pro', label: 'limits' })).token;
      admin = (await createKey(store, { role: 'admin', label: 'limits admin' })).token;
    });
    after(async () => {
      await app?.close();
      await backend?.dispose();
    });

    test('a client beyond its per-minute budget gets 429 with Retry-After; a key has its own budget', async () => {
      const from = (ip: string, headers: Record<string, string> = {}) =>
        app.inject({ method: 'GET', url: '/v1/health', remoteAddress: ip, headers });
      for (let i = 0; i < 5; i++) assert.equal((await from('10.0.0.1')).statusCode, 200);
      const r = await from('10.0.0.1');
      assert.equal(r.statusCode, 429);
      assert.equal(r.json().error.code, 'rate_limited');
      assert.match(r.json().error.message, /5 per minute; retry in \d+ s/);
      assert.ok(Number(r.headers['retry-after']) >= 1);
      // another client is not affected
      assert.equal((await from('10.0.0.2')).statusCode, 200);
      // a made-up key counts against the IP
      assert.equal(
        (await from('10.0.0.1', { authorization: 'Bearer batid_0000000000_' + 'x'.repeat(32) })).statusCode,
        429,
      );
      // a valid key has its own, larger budget, wherever it comes from
      const auth = { authorization: `Bearer ${token}` };
      for (let i = 0; i < 8; i++)
        assert.equal((await from('10.0.0.1', auth)).statusCode, 200, `request ${i}`);
      assert.equal((await from('10.0.0.3', auth)).statusCode, 429);
    });

    test('a body over 1 MiB gets 413', async () => {
      const r = await app.inject({
        method: 'POST',
        url: '/v1/projects',
        remoteAddress: '10.0.1.1',
        // the route needs a key, checked before the body is read
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        payload: JSON.stringify({ batid: 'x', title: 'y'.repeat(1_100_000) }),
      });
      assert.equal(r.statusCode, 413);
      assert.equal(r.json().error.code, 'payload_too_large');
    });

    test('a request slower than the handler timeout gets a clear 503, not a hang', async () => {
      const r = await app.inject({ method: 'GET', url: '/test/slow', remoteAddress: '10.0.2.1' });
      assert.equal(r.statusCode, 503);
      assert.equal(r.json().error.code, 'timeout');
      assert.match(r.json().error.message, /took too long/);
    });

    test('security headers on every response; the strictest CSP on API answers', async () => {
      const api = await app.inject({ method: 'GET', url: '/v1/health', remoteAddress: '10.0.3.1' });
      assert.equal(api.headers['x-content-type-options'], 'nosniff');
      assert.equal(api.headers['x-frame-options'], 'DENY');
      assert.equal(api.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
      const page = await app.inject({ method: 'GET', url: '/', remoteAddress: '10.0.3.2' });
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-security-policy']), /script-src 'self';/);
      assert.match(String(page.headers['content-security-policy']), /worker-src 'self' blob:/);
      const missing = await app.inject({ method: 'GET', url: '/v1/nothing', remoteAddress: '10.0.3.3' });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.headers['x-content-type-options'], 'nosniff');
    });

    test('slow clients: headers within 20 s, the whole request within 2 min', () => {
      assert.equal(app.server.headersTimeout, 20_000);
      assert.equal(app.server.requestTimeout, 120_000);
    });
  });
}
