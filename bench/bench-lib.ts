/** What the HTTP and bulk benchmarks share: the synthetic export, the imported databases, a served API, a load run. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { openStore } from '../src/store/open-store.js';
import type { Queryable } from '../src/store/store.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const OUT = join(ROOT, 'bench', 'out');

/** Runs a command from the repository's root, its errors (and its output unless `stdout: 'ignore'`) to our terminal; seconds taken. */
export function sh(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  stdout: 'inherit' | 'ignore' = 'inherit',
): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: ['ignore', stdout, 'inherit'],
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  return (performance.now() - t0) / 1000;
}

export interface Target {
  backend: 'embedded' | 'postgres';
  /** CLI flags / env selecting the database. */
  args: string[];
  /** Server processes (`serve --workers`). */
  workers: number;
  env: NodeJS.ProcessEnv;
  open: () => ReturnType<typeof openStore>;
}

/** The synthetic export, generated once (seed 1). */
export function ensureData(scale: string): string {
  const data = join(OUT, `synth-03-s${scale}`);
  // ground_truth_dpe.csv: written since synth models DPE histories (older exports are regenerated)
  if (!existsSync(join(data, 'ground_truth_dpe.csv')))
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
export async function ensureImported(t: Target, data: string): Promise<void> {
  const store = await t.open();
  try {
    // imported, and from an export with DPE histories (an older one is imported again on top)
    const r = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM batid.import_run WHERE status = 'done'
        AND EXISTS (SELECT 1 FROM renovation.dpe) AND EXISTS (SELECT 1 FROM renovation.renovation)`,
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

export async function startServer(t: Target, port: number): Promise<ChildProcess> {
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
      // capacity is measured, not the per-client limits
      env: { ...process.env, BATID_RATE_LIMIT: 'off', ...t.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      // warm: the address index built, then the bulk jobs' heating cache (serve-command.ts)
      if (out.split('\nwarm: ').length - 1 >= t.workers) ok();
    });
    child.once('exit', (code) => fail(new Error(`server exited (${code}): ${out}`)));
  });
  return child;
}

export interface Scenario {
  requestsPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  total: number;
}

export async function load(
  port: number,
  urls: string[],
  seconds: number,
  connections: number,
): Promise<Scenario> {
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

/**
 * The databases a benchmark runs on, imported from the scale's synthetic export by the first run
 * and kept (bench/out/api-db-embedded-sN, database batid_bench_api_sN on the server given by
 * BENCH_DATABASE_URL or TEST_DATABASE_URL).
 */
export async function benchTargets(scale: string, wanted: string[], pgWorkers: number): Promise<Target[]> {
  const targets: Target[] = [];
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

  return targets;
}

/**
 * What an in-process benchmark on the scale's databases starts with: its options parsed (plus
 * `--scale 1` and `--backends embedded,postgres`), the code built, the export made, the targets.
 */
export async function inProcessBench<K extends string>(
  args: string[],
  options: Record<K, { type: 'string'; default: string }>,
): Promise<{ values: Record<K | 'scale' | 'backends', string>; data: string; targets: Target[] }> {
  const all: Record<string, { type: 'string'; default: string }> = {
    scale: { type: 'string', default: '1' },
    backends: { type: 'string', default: 'embedded,postgres' },
    ...options,
  };
  const parsed = parseArgs({ args, options: all }).values;
  // every option is a string with a default: each is set
  const values = Object.fromEntries(Object.keys(all).map((k) => [k, String(parsed[k])])) as Record<
    K | 'scale' | 'backends',
    string
  >;
  mkdirSync(OUT, { recursive: true });
  sh('npm', ['run', '--silent', 'build']);
  const data = ensureData(values.scale);
  return { values, data, targets: await benchTargets(values.scale, values.backends.split(','), 1) };
}

/** The département's address labels in a seeded order (md5 of their key), the first `limit` of them. */
export async function seededLabels(store: Queryable, limit?: number): Promise<string[]> {
  const rows = await store.query<{ l: string }>(
    `SELECT libelle_adresse AS l FROM bdnb.adresse WHERE libelle_adresse IS NOT NULL ORDER BY md5(cle_interop_adr)${limit === undefined ? '' : ' LIMIT $1'}`,
    limit === undefined ? [] : [limit],
  );
  return rows.map((r) => r.l);
}
