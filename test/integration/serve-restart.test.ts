import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey } from '../../src/auth/keys.js';
import type { BillInput } from '../../src/copro/energy.js';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { openStore } from '../../src/store/open-store.js';
import { synthesize } from '../../src/synth/synthesize.js';
import { backends, type Backend } from '../helpers/backends.js';
import { killSeed, seededRandom } from '../helpers/kill-child.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SEED = killSeed(20260906);
const KILLS = 3;
const WRITERS = 3;
const YEARS = [2024, 2025] as const;

/** A year's bill lines, different for every building: the year as read back tells which write it was. */
function yearBills(year: number, i: number): BillInput[] {
  return [
    { year, use: 'chauffage', energy: 'gaz', quantity: 10_000 + i, unit: 'm3', amount_eur: 9000 + i },
    { year, use: 'ecs', energy: 'gaz', quantity: 2000 + i, unit: 'm3', amount_eur: 1800 },
    {
      year,
      use: 'electricite_communs',
      energy: 'electricite',
      quantity: 9000 + i,
      unit: 'kWh',
      amount_eur: 1700,
    },
  ];
}

interface Server {
  child: ChildProcess;
  url: string;
  /** its `warm:` line: what it did after the address index */
  warm: string;
}

/** `batid serve` on the database, port 0; resolves once it listens and is done warming up (address index, heating cache), with its address. */
function startServer(conn: { dbDir?: string; databaseUrl?: string }): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/batid-dev.ts',
        'serve',
        ...(conn.dbDir ? ['--db', conn.dbDir] : []),
        '--port',
        '0',
        '--log',
        'silent',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, NODE_NO_WARNINGS: '1', DATABASE_URL: conn.databaseUrl ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      // listening, and done with its start-up work (the address index, then the heating cache,
      // hold the embedded database)
      const m = /BatID serving on (http:\/\/\S+)[^]*address index ready[^]*\nwarm: ([^\n]*)\n/.exec(out);
      if (m) resolve({ child, url: m[1]!, warm: m[2]! });
    });
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.once('exit', (code, signal) =>
      reject(new Error(`serve ended (${code ?? signal}) before listening: ${out}${err}`)),
    );
  });
}

function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => child.once('exit', () => ok()));
}

for (const make of backends()) {
  const name = make().name;
  describe(`batid serve SIGKILLed while writing, then restarted [${name}]`, () => {
    let dir: string;
    let backend: Backend;
    let batids: string[];
    let token: string;
    let buildings: number;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-serve-kill-'));
      await synthesize({ dept: '03', scale: 0.01, seed: 1, out: join(dir, 's') });
      backend = make();
      const store = await backend.open();
      try {
        await importBdnb(store, BDNB_TABLES, {
          paths: [join(dir, 's')],
          millesime: '2024-10',
          rejectsPath: join(dir, 'r.csv'),
        });
        batids = (
          await store.query<{ batid: string }>(
            `SELECT batid FROM batid.building WHERE status = 'constructed' AND batiment_groupe_id IS NOT NULL ORDER BY batid LIMIT 1500`,
          )
        ).map((r) => r.batid);
        buildings = (
          await store.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM batid.building WHERE status = 'constructed'`,
          )
        )[0]!.n;
        // the key is made before the server starts: the embedded database is one process's
        ({ token } = await createKey(store, { role: 'advisor', territories: ['03'], label: 'kill test' }));
      } finally {
        await store.close();
      }
    });
    after(async () => {
      await backend?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    test('every acknowledged write survives, no year is half-saved, and the server starts again', async (t) => {
      const conn = backend.connection();
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const random = seededRandom(SEED);
      const delays = Array.from({ length: KILLS }, () => Math.round(100 + random() * 1400));
      t.diagnostic(
        `KILL_SEED=${SEED}, SIGKILL ${delays.join(' ms, ')} ms after the first acknowledged year of each round`,
      );
      // what was sent and what was acknowledged (2xx), by building and by building:year
      const recordsAcked = new Set<string>();
      const yearsSent = new Map<string, BillInput[]>();
      const yearsAcked = new Set<string>();
      const refused: string[] = [];
      let next = 0;
      const outcomes: string[] = [];

      /** Checks through the API the buildings written in the last round (the ones at risk). */
      const checkRound = async (url: string, from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const b = batids[i]!;
          const res = await fetch(`${url}/v1/buildings/${b}/energy`, { headers: auth });
          if (res.status === 404) {
            await res.arrayBuffer();
            assert.ok(!recordsAcked.has(b), `${b}: acknowledged record lost`);
            continue;
          }
          const text = await res.text();
          assert.equal(res.status, 200, `${b}: ${text}`);
          const body = JSON.parse(text) as { bills: { year: number; quantity: number }[] };
          for (const y of YEARS) {
            const key = `${b}:${y}`;
            const got = body.bills
              .filter((x) => x.year === y)
              .map((x) => x.quantity)
              .sort((m, n) => m - n);
            const sent = (yearsSent.get(key) ?? []).map((x) => x.quantity).sort((m, n) => m - n);
            if (yearsAcked.has(key)) assert.deepEqual(got, sent, `${key}: acknowledged lines`);
            else assert.ok(got.length === 0 || (sent.length && got.join() === sent.join()), `${key}: ${got}`);
          }
        }
      };
      let server = await startServer(conn);
      // the registry's heating fits in the bulk jobs' cache: read at start; then the bulk code run
      assert.match(
        server.warm,
        /^heating of [1-9]\d* buildings read for the bulk jobs \([\d.]+ s\); bulk code run on [1-9]\d* rows \([\d.]+ s\)$/,
      );
      try {
        for (const delay of delays) {
          const url = server.url;
          const from = next;
          let alive = true;
          // a refused connection or a reset is the kill; any answer that is not 2xx is a failure
          const send = async (method: string, path: string, body?: unknown): Promise<boolean> => {
            try {
              const res = await fetch(`${url}${path}`, {
                method,
                headers: auth,
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(15_000),
              });
              const text = await res.text();
              if (res.status >= 300) refused.push(`${method} ${path}: ${res.status} ${text}`);
              return res.status < 300;
            } catch {
              alive = false;
              return false;
            }
          };
          const writer = async () => {
            while (alive && next < batids.length) {
              const i = next++;
              const b = batids[i]!;
              if (
                !(await send('PUT', `/v1/buildings/${b}/energy`, {
                  name: `kill ${i}`,
                  heated_surface_m2: 1000 + i,
                }))
              )
                return;
              recordsAcked.add(b);
              for (const y of YEARS) {
                const lines = yearBills(y, i);
                yearsSent.set(`${b}:${y}`, lines);
                if (!(await send('PUT', `/v1/buildings/${b}/energy/years/${y}`, { bills: lines }))) return;
                yearsAcked.add(`${b}:${y}`);
                flowing();
              }
            }
          };
          const reader = async () => {
            while (alive) {
              const b = batids[Math.max(0, next - 1)]!;
              if (!(await send('GET', `/v1/buildings/${b}`))) return;
              if (!(await send('GET', `/v1/health`))) return;
            }
          };
          // the first requests after a start are slow (plans, caches): count from the first year saved
          let flowing: () => void = () => undefined;
          const started = new Promise<void>((ok) => (flowing = ok));
          const load = Promise.all([...Array.from({ length: WRITERS }, writer), reader()]);
          await Promise.race([started, load]);
          await new Promise((ok) => setTimeout(ok, delay));
          server.child.kill('SIGKILL');
          await ended(server.child);
          alive = false;
          await load;
          assert.ok(next < batids.length, 'the writes ran out of buildings before the kill');
          const round = batids.slice(from, next).flatMap((b) => YEARS.map((y) => `${b}:${y}`));
          const acked = round.filter((k) => yearsAcked.has(k)).length;
          const inFlight = round.filter((k) => yearsSent.has(k) && !yearsAcked.has(k)).length;
          outcomes.push(`${next - from} buildings, ${acked} years acknowledged, ${inFlight} in flight`);

          server = await startServer(conn);
          const health = await fetch(`${server.url}/v1/health`);
          assert.equal(health.status, 200);
          assert.deepEqual(await health.json(), { status: 'ok', db: name, buildings });
          await checkRound(server.url, from, next);
        }
      } finally {
        // a failed check must not leave a server running (the test would never end)
        server.child.kill('SIGTERM');
        await ended(server.child);
      }
      t.diagnostic(`rounds: ${outcomes.join(', ')}`);
      assert.deepEqual(refused, []);
      assert.ok(yearsAcked.size >= KILLS, `only ${yearsAcked.size} years acknowledged`);

      // everything, in SQL: acknowledged writes there, every year whole, one audit row per line
      const store = await openStore(conn);
      try {
        const records = new Set(
          (await store.query<{ batid: string }>(`SELECT batid FROM copro.record`)).map((r) => r.batid),
        );
        for (const b of recordsAcked) assert.ok(records.has(b), `${b}: acknowledged record lost`);
        const years = await store.query<{ batid: string; year: number; q: number[] }>(
          `SELECT batid, year, array_agg(quantity ORDER BY quantity) AS q FROM copro.bill GROUP BY 1, 2`,
        );
        const stored = new Map(years.map((r) => [`${r.batid}:${r.year}`, r.q.map(Number).join()]));
        for (const key of yearsAcked) assert.ok(stored.has(key), `${key}: acknowledged year lost`);
        for (const [key, q] of stored) {
          const sent = yearsSent.get(key);
          assert.ok(sent, `${key}: lines nobody sent`);
          assert.equal(
            q,
            sent
              .map((x) => x.quantity)
              .sort((a, b) => a - b)
              .join(),
            `${key}: half-saved year`,
          );
        }
        const [audit] = await store.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM copro.bill b
            WHERE (SELECT count(*) FROM access.audit a WHERE a.entity = 'bill' AND a.entity_id = b.id AND a.action = 'create') <> 1`,
        );
        assert.equal(audit!.n, 0, 'bill lines without exactly one audit row');
        const [n] = await store.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM batid.building WHERE status = 'constructed'`,
        );
        assert.equal(n!.n, buildings);
      } finally {
        await store.close();
      }
    });
  });
}
