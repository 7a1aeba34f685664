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
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { openStore } from '../src/store/open-store.js';
import { Prng } from '../src/synth/prng.js';
import { machine } from './machine.js';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
const QUERIES = 20_000;

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
}

interface Target {
  backend: 'embedded' | 'postgres';
  /** CLI flags / env selecting the database. */
  args: string[];
  /** Server processes (`serve --workers`). */
  workers: number;
  env: NodeJS.ProcessEnv;
  open: () => ReturnType<typeof openStore>;
}

/** The synthetic export, generated once (seed 1). */
function ensureData(scale: string): string {
  const data = join(OUT, `synth-03-s${scale}`);
  if (!existsSync(join(data, 'batiment_groupe.csv')))
    sh(process.execPath, [
      'bin/batid.js',
      'synth',
      '--dept',
      '03',
      '--scale',
      scale,
      '--seed',
      '1',
      '--out',
      data,
    ]);
  return data;
}

/** Imports the export into the target unless a previous run left it there. */
async function ensureImported(t: Target, data: string): Promise<void> {
  const store = await t.open();
  try {
    const r = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM batid.import_run WHERE status = 'done'`,
    );
    if (r[0]!.n > 0) return;
  } finally {
    await store.close();
  }
  const t0 = Date.now();
  sh(
    process.execPath,
    ['bin/batid.js', 'import', data, '--rejects', join(OUT, 'api-bench-rejects.csv'), ...t.args],
    t.env,
  );
  console.log(`${t.backend}: imported in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Seeded query mixes from the database (read before the server holds it). */
async function inputs(t: Target): Promise<{ search: string[]; card: string[] }> {
  const store = await t.open();
  try {
    const labels = (
      await store.query<{ l: string }>(
        `SELECT libelle_adresse AS l FROM bdnb.adresse WHERE libelle_adresse IS NOT NULL ORDER BY md5(cle_interop_adr) LIMIT ${QUERIES}`,
      )
    ).map((r) => r.l);
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

async function startServer(t: Target, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      'bin/batid.js',
      'serve',
      '--port',
      String(port),
      '--log',
      'silent',
      ...t.args,
      '--workers',
      String(t.workers),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...t.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.split('address index ready').length - 1 >= t.workers) ok();
    });
    child.once('exit', (code) => fail(new Error(`server exited (${code}): ${out}`)));
  });
  return child;
}

interface Scenario {
  requestsPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  total: number;
}

async function load(port: number, urls: string[], seconds: number, connections: number): Promise<Scenario> {
  let i = 0;
  const r = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => {
          req.path = urls[i++ % urls.length]!;
          return req;
        },
      },
    ],
  });
  return {
    requestsPerSec: Math.round(r.requests.average),
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.errors,
    non2xx: r.non2xx,
    total: r.requests.total,
  };
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
  const targets: Target[] = [];
  const wanted = values.backends.split(',');
  if (wanted.includes('embedded')) {
    const dir = join(OUT, `api-db-embedded-s${scale}`);
    targets.push({
      backend: 'embedded',
      args: ['--db', dir],
      workers: 1,
      env: { DATABASE_URL: '' },
      open: () => openStore({ dbDir: dir }),
    });
  }
  const adminUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (wanted.includes('postgres')) {
    if (!adminUrl) console.log('postgres: SKIPPED (set BENCH_DATABASE_URL or TEST_DATABASE_URL)');
    else {
      const name = `batid_bench_api_s${scale.replace('.', '_')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
      if (!exists.rowCount) await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const u = new URL(adminUrl);
      u.pathname = `/${name}`;
      const url = u.toString();
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      await db.query('CREATE EXTENSION IF NOT EXISTS postgis');
      await db.end();
      targets.push({
        backend: 'postgres',
        args: [],
        workers: pgWorkers,
        env: { DATABASE_URL: url },
        open: () => openStore({ databaseUrl: url }),
      });
    }
  }

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
