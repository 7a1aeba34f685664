import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import Fastify from 'fastify';
import { admission, maxConcurrentFromEnv } from '../../src/http/admission.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An app whose /work route holds its place for `ms`, recording how many run at once and the order they start. */
async function appWith(max: number, ms: number) {
  const app = Fastify();
  const gate = admission(app, max);
  let now = 0;
  let peak = 0;
  const started: number[] = [];
  // the order the server read the requests in (the client's order may differ on a busy machine)
  const arrived: number[] = [];
  app.addHook('onRequest', async (req) => {
    const n = new URL(req.url, 'http://x').searchParams.get('n');
    if (n !== null) arrived.push(Number(n));
  });
  app.get<{ Querystring: { n: string } }>('/work', async (req) => {
    now++;
    peak = Math.max(peak, now);
    started.push(Number(req.query.n));
    await sleep(ms);
    now--;
    return { n: Number(req.query.n) };
  });
  app.get('/assets/x.js', async () => 'ok');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return { app, gate, port, peak: () => peak, started, arrived };
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

test('at most max requests run at once; the others start in arrival order', async () => {
  const t = await appWith(2, 40);
  try {
    const answers: Promise<number>[] = [];
    for (let n = 0; n < 8; n++) {
      answers.push(get(t.port, `/work?n=${n}`));
      await sleep(3);
    }
    assert.deepEqual(await Promise.all(answers), Array(8).fill(200));
    assert.equal(t.peak(), 2);
    assert.deepEqual(t.started, t.arrived);
    assert.deepEqual([...t.started].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(t.gate.running(), 0);
    assert.equal(t.gate.waiting(), 0);
  } finally {
    await t.app.close();
  }
});

test('static files skip the queue; a client that leaves while waiting gives its place up', async () => {
  const t = await appWith(1, 600);
  try {
    const first = get(t.port, '/work?n=0');
    await sleep(20);
    // the place is taken: a static file is still served, without waiting for it
    assert.equal(t.gate.running(), 1);
    assert.equal(await get(t.port, '/assets/x.js'), 200);
    assert.equal(t.gate.running(), 1, 'the static file waited for the place to be free');
    // a waiting client leaves: its request never runs, and the next one is not held up by it
    const leaving = request({ host: '127.0.0.1', port: t.port, path: '/work?n=1' });
    leaving.on('error', () => undefined);
    leaving.end();
    await sleep(20);
    assert.equal(t.gate.waiting(), 1);
    leaving.destroy();
    await sleep(20);
    assert.equal(t.gate.waiting(), 0);
    const third = get(t.port, '/work?n=2');
    assert.deepEqual(await Promise.all([first, third]), [200, 200]);
    assert.deepEqual(t.started, [0, 2]);
    assert.equal(t.gate.running(), 0);
  } finally {
    await t.app.close();
  }
});

test('BATID_MAX_CONCURRENT: default per backend, 0 turns it off, anything else is refused', () => {
  assert.equal(maxConcurrentFromEnv('embedded', undefined), 8);
  assert.equal(maxConcurrentFromEnv('postgres', undefined), 0);
  assert.equal(maxConcurrentFromEnv('embedded', '0'), 0);
  assert.equal(maxConcurrentFromEnv('postgres', '32'), 32);
  assert.throws(() => maxConcurrentFromEnv('embedded', '-1'), /whole number/);
  assert.throws(() => maxConcurrentFromEnv('embedded', 'beaucoup'), /whole number/);
});

test('clients leaving at any moment (waiting, just admitted, running) never keep a place', async () => {
  const t = await appWith(2, 15);
  try {
    // seeded: clients destroyed after 0–60 ms, whatever they are doing then
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const left: Promise<void>[] = [];
    for (let n = 0; n < 60; n++) {
      const req = request({ host: '127.0.0.1', port: t.port, path: `/work?n=${n}` });
      req.on('error', () => undefined);
      req.on('response', (res) => res.resume());
      req.end();
      left.push(sleep(Math.floor(random() * 60)).then(() => void req.destroy()));
      if (n % 10 === 0) await sleep(1);
    }
    await Promise.all(left);
    for (let i = 0; i < 100 && (t.gate.running() > 0 || t.gate.waiting() > 0); i++) await sleep(20);
    assert.equal(t.gate.running(), 0, 'a place was kept by a client that left');
    assert.equal(t.gate.waiting(), 0);
    // and the server still answers, with both places
    assert.deepEqual(await Promise.all([get(t.port, '/work?n=100'), get(t.port, '/work?n=101')]), [200, 200]);
    // (a client that leaves gives its place back at once, while its handler may still be finishing:
    // the limit is on requests that someone still waits for)
  } finally {
    await t.app.close();
  }
});
