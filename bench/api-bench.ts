/**
 * `npm run bench -- api [--scale 1] [--backends embedded,postgres] [--duration 10] [--connections 10]
 *  [--workers N]`
 *
 * The HTTP API under load on a synthetic département (seed 1): the built CLI imports it once per
 * backend (kept in bench/out for the next runs), serves it in a child process (`batid serve
 * --log silent`; on PostgreSQL with `--workers N`, N = the number of cores unless given), and
 * autocannon drives two scenarios, each after a warm-up:
 *   - address search: 20,000 distinct queries drawn (seeded) from the département's addresses —
 *     half the label as written, a quarter lowercase without accents, a quarter with one letter
 *     dropped — cycled in order;
 *   - building card: 20,000 BatIDs drawn the same way.
 * Prints requests/s and latency p50/p99 per scenario and backend, writes bench/out/api-*.json.
 * A server comes from BENCH_DATABASE_URL or TEST_DATABASE_URL (a maintenance database: the bench
 * keeps its own `batid_bench_api_s<scale>` database between runs).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Prng } from '../src/synth/prng.js';
import { machine } from './machine.js';
import {
  benchTargets,
  ensureData,
  ensureImported,
  load,
  OUT,
  sh,
  startServer,
  type Scenario,
  type Target,
  seededLabels,
} from './bench-lib.js';

const QUERIES = 20_000;

/** Seeded query mixes from the database (read before the server holds it). */
async function inputs(t: Target): Promise<{ search: string[]; card: string[] }> {
  const store = await t.open();
  try {
    const labels = await seededLabels(store, QUERIES);
    const batids = (
      await store.query<{ b: string }>(
        `SELECT batid AS b FROM batid.building WHERE status = 'constructed' ORDER BY md5(batid) LIMIT ${QUERIES}`,
      )
    ).map((r) => r.b);
    const prng = new Prng(1);
    const rng = () => prng.next();
    const search = labels.map((l) => {
      const x = rng();
      if (x < 0.5) return l;
      const plain = l.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      if (x < 0.75) return plain.toLowerCase();
      const at = 4 + Math.floor(rng() * Math.max(1, plain.length - 14));
      return plain.slice(0, at) + plain.slice(at + 1);
    });
    return {
      search: search.map((q) => `/v1/addresses/search?q=${encodeURIComponent(q)}&limit=5`),
      card: batids.map((b) => `/v1/buildings/${b}`),
    };
  } finally {
    await store.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scale: { type: 'string', default: '1' },
      backends: { type: 'string', default: 'embedded,postgres' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      workers: { type: 'string' },
    },
  });
  // PostgreSQL serves several Node processes (one per core by default); embedded is one process
  const pgWorkers = Number(values.workers ?? availableParallelism());
  mkdirSync(OUT, { recursive: true });
  sh('npm', ['run', '--silent', 'build']);
  const scale = values.scale;
  const data = ensureData(scale);
  const seconds = Number(values.duration);
  const connections = Number(values.connections);
  const targets = await benchTargets(scale, values.backends.split(','), pgWorkers);

  const results: Record<string, unknown> = { machine: machine(), scale, seconds, connections };
  console.log(
    `api bench: ${machine()}; scale ${scale}, ${seconds} s per scenario, ${connections} connections`,
  );
  for (const t of targets) {
    await ensureImported(t, data);
    const q = await inputs(t);
    const port = 18000 + Math.floor(Math.random() * 1000);
    const server = await startServer(t, port);
    try {
      const out: Record<string, Scenario> = {};
      for (const [name, urls] of [
        ['address search', q.search],
        ['building card', q.card],
      ] as const) {
        await load(port, urls, 2, connections); // warm-up
        const s = await load(port, urls, seconds, connections);
        out[name] = s;
        console.log(
          `${t.backend.padEnd(8)} ${name.padEnd(15)} ${String(s.requestsPerSec).padStart(6)} req/s  p50 ${s.p50} ms  p90 ${s.p90} ms  p99 ${s.p99} ms  max ${s.max} ms  (${s.total} requests, ${s.errors} errors, ${s.non2xx} non-2xx)`,
        );
      }
      results[t.backend] = out;
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  }
  const file = join(OUT, `api-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 17)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`written ${file}`);
}
