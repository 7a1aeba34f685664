import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import type { Store } from '../../src/store/store.js';
import { embeddedBackend, type Backend } from '../helpers/backends.js';

describe('OpenAPI 3.1 and the docs page', () => {
  let backend: Backend;
  let store: Store;
  let app: FastifyInstance;
  before(async () => {
    backend = embeddedBackend();
    store = await backend.open();
    app = await buildApp(store);
  });
  after(async () => {
    await app?.close();
    await backend?.dispose();
  });

  test('GET /openapi.json describes every public route, with the query schemas that validate them', async () => {
    const r = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(r.statusCode, 200);
    const doc = r.json();
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/v1/health',
      '/v1/resolve',
      '/v1/buildings/{batid}',
      '/v1/buildings/{batid}/history',
      '/v1/buildings/{batid}/dpe',
      '/v1/changes',
      '/v1/indicators',
    ]) {
      assert.ok(doc.paths[path]?.get, `${path} documented`);
    }
    const params = doc.paths['/v1/resolve'].get.parameters.map((p: { name: string; required: boolean }) => [
      p.name,
      p.required,
    ]);
    assert.deepEqual(params.sort(), [
      ['id', true],
      ['scheme', true],
    ]);
    // the same schema rejects a request
    const bad = await app.inject({ method: 'GET', url: '/v1/resolve?scheme=nope&id=x' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'invalid_parameter');
  });

  test('GET /docs serves a readable API page', async () => {
    const r = await app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /swagger/i);
  });
});
