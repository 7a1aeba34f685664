/**
 * `npm run bench -- scale [--buildings 5000000] [--scale 1] [--samples 400] [--depts 03,63,…] [--keep]`
 *
 * National scale on PostgreSQL (issue 10 §5): synthetic départements (scale 1: the size of the
 * real one — Allier 394k footprints, Puy-de-Dôme 786k) are made and imported one after another into one database
 * (batid_bench_scale on BENCH_DATABASE_URL / TEST_DATABASE_URL, dropped first unless --keep)
 * until it holds at least `--buildings` buildings. After each département: its import time
 * (`batid import` of every table, then `batid import-networks` of every département so far), the
 * database size, and (after the first three départements, then every other one, and the last)
 * the p50/p99 of a building card, an address search and an eligibility by address over
 * `--samples` seeded picks among all the départements so far — in process through
 * the HTTP app (`app.inject`, one caller), so that only the database's growth moves them. Each
 * export is deleted once imported (625 MB at scale 1); the networks are kept.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { addressServiceOf } from '../src/address/address-service.js';
import { buildApp } from '../src/http/app.js';
import { openStore } from '../src/store/open-store.js';
import { OUT, ROOT, sh } from './bench-lib.js';
import { machine } from './machine.js';

/** Allier and the départements around it, outwards: real communes, each its own Lambert-93 box. */
const DEPTS = '03,63,42,71,58,18,23,15,43,19,87,36,41,45,89,21,69,01,07,48,12,46,24,16,86'.split(',');

interface Step {
  dept: string;
  buildings: number;
  addresses: number;
  synth_s: number;
  import_s: number;
  networks_s: number;
  db_bytes: number;
  address_index_s: number;
  rss_mb: number;
  load: number;
  card: Timing;
  search: Timing;
  eligibility: Timing;
}
interface Timing {
  p50: number;
  p99: number;
  errors: number;
  /** the first failures: status, URL and the error code of the answer */
  failures: string[];
}

function quantile(sorted: number[], q: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]! * 10) / 10;
}

/** Runs the CLI in the background (its errors to our terminal); seconds taken. */
function cliAsync(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/batid.js', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0
        ? resolve((performance.now() - t0) / 1000)
        : reject(new Error(`batid ${args.join(' ')} failed (${code})`)),
    ),
  );
}

/** Runs the CLI, its errors to our terminal; seconds taken. */
const cli = (args: string[], env: NodeJS.ProcessEnv): number =>
  sh(process.execPath, ['bin/batid.js', ...args], env, 'ignore');

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      buildings: { type: 'string', default: '5000000' },
      scale: { type: 'string', default: '1' },
      samples: { type: 'string', default: '400' },
      depts: { type: 'string', default: DEPTS.join(',') },
      keep: { type: 'boolean', default: false },
    },
  });
  const adminUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('the scale bench runs on PostgreSQL: set BENCH_DATABASE_URL');
  const goal = Number(values.buildings);
  const samples = Number(values.samples);
  const depts = values.depts.split(',');
  sh('npm', ['run', '--silent', 'build']);

  const name = 'batid_bench_scale';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  if (!values.keep) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  if (!(await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount)
    await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const env = { DATABASE_URL: url };
  const networksDir = join(OUT, `scale-networks-s${values.scale}`);
  mkdirSync(networksDir, { recursive: true });

  console.log(
    `scale bench: ${machine()}; PostgreSQL database ${name}; scale ${values.scale} per département; goal ≥ ${goal} buildings; ${samples} samples per measure`,
  );
  const steps: Step[] = [];
  let store = await openStore({ databaseUrl: url });
  // a département is done when its import finished (a killed one is imported again)
  const done = new Set(
    (
      await store.query<{ source: string }>(`SELECT source FROM batid.import_run WHERE status = 'done'`)
    ).flatMap((r) => /scale-synth-(\w+)-s/.exec(r.source)?.[1] ?? []),
  );
  await store.close();
  // the next département's export is made while the current one is imported (not measured)
  const dataOf = (dept: string) => join(OUT, `scale-synth-${dept}-s${values.scale}`);
  const synths = new Map<string, Promise<number>>();
  const startSynth = (k: number) => {
    const dept = depts[k];
    if (dept === undefined || done.has(dept) || synths.has(dept)) return;
    rmSync(dataOf(dept), { recursive: true, force: true });
    const args = [
      'synth',
      '--dept',
      dept,
      '--scale',
      values.scale,
      '--seed',
      String(k + 1),
      '--out',
      dataOf(dept),
    ];
    const p = cliAsync(args, {});
    p.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    synths.set(dept, p);
  };
  let buildings = 0;
  let step = 0;
  if (done.size) {
    // a resumed run (--keep): the database as it is first, measured with this code
    steps.push(await measure(url, [...done].join('+'), samples, 0, { synthS: 0, importS: 0, networksS: 0 }));
    const s = steps.at(-1)!;
    buildings = s.buildings;
    console.log(`resumed with ${[...done].join(', ')}: ${summary(s)}`);
    printFailures(s);
  }
  for (const [i, dept] of depts.entries()) {
    if (done.has(dept)) continue;
    if (buildings >= goal) break;
    startSynth(i);
    const synthS = await synths.get(dept)!;
    startSynth(i + 1);
    const data = dataOf(dept);
    const importS = cli(['import', data, '--rejects', join(OUT, `scale-rejects-${dept}.csv`)], env);
    const keep = join(networksDir, dept);
    mkdirSync(keep, { recursive: true });
    for (const f of readdirSync(data).filter((f) => f.endsWith('.geojson')))
      cpSync(join(data, f), join(keep, f));
    rmSync(data, { recursive: true, force: true });
    // the networks of every département so far: import-networks replaces the whole set
    const layers = readdirSync(networksDir).flatMap((d) =>
      readdirSync(join(networksDir, d))
        .filter((f) => f.endsWith('.geojson'))
        .map((f) => join(networksDir, d, f)),
    );
    const networksS = cli(['import-networks', ...layers], env);
    step++;
    store = await openStore({ databaseUrl: url });
    buildings = (
      (await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM batid.building WHERE status = 'constructed'`,
      )) as [{ n: number }]
    )[0].n;
    await store.close();
    // measured after the first three départements, then every other one, and at the end (the
    // address index of the whole database is built for each measure: minutes at millions)
    const measured = step <= 3 || step % 2 === 1 || buildings >= goal || i === depts.length - 1;
    console.log(
      `${dept}: imported (synth ${synthS.toFixed(0)} s, in parallel with the previous import; import ${importS.toFixed(1)} s; networks ${networksS.toFixed(1)} s) → ${buildings.toLocaleString('en')} buildings${measured ? '' : ' (not measured)'}`,
    );
    if (!measured) continue;
    // measured with nothing else of ours running: the next export is finished first
    const next = depts.slice(i + 1).find((d) => synths.has(d));
    if (next) await synths.get(next)!.catch(() => 0);
    steps.push(await measure(url, dept, samples, step, { synthS, importS, networksS }));
    const s = steps.at(-1)!;
    console.log(`${dept}: ${summary(s)}`);
    printFailures(s);
  }
  const last = steps.at(-1);
  if (last) {
    const perMillion = last.db_bytes / (last.buildings / 1e6);
    console.log(
      `database: ${(perMillion / 2 ** 30).toFixed(2)} GiB per million buildings → ${((perMillion * 43) / 2 ** 30).toFixed(0)} GiB for 43 M buildings (same tables and indexes)`,
    );
  }
  const file = join(OUT, `scale-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 15)}.json`);
  writeFileSync(file, JSON.stringify({ machine: machine(), scale: values.scale, samples, steps }, null, 2));
  console.log(`written ${file}`);
}

function printFailures(s: Step): void {
  for (const f of [s.card, s.search, s.eligibility].flatMap((x) => x.failures)) console.log(`  failed: ${f}`);
}

function summary(s: Step): string {
  return `${s.buildings.toLocaleString('en')} buildings, ${s.addresses.toLocaleString('en')} addresses | db ${(s.db_bytes / 2 ** 30).toFixed(2)} GiB | address index ${s.address_index_s.toFixed(1)} s, RSS ${s.rss_mb} MB | card p50 ${s.card.p50} p99 ${s.card.p99} ms | search p50 ${s.search.p50} p99 ${s.search.p99} ms | eligibility p50 ${s.eligibility.p50} p99 ${s.eligibility.p99} ms | errors ${s.card.errors + s.search.errors + s.eligibility.errors} | load ${s.load.toFixed(1)}`;
}

/** Sizes, then p50/p99 of the three reads over seeded picks among every département so far. */
async function measure(
  url: string,
  dept: string,
  samples: number,
  round: number,
  t: { synthS: number; importS: number; networksS: number },
): Promise<Step> {
  const store = await openStore({ databaseUrl: url });
  try {
    const [size] = await store.query<{ buildings: number; addresses: number; bytes: number }>(
      `SELECT (SELECT count(*)::int FROM batid.building WHERE status = 'constructed') AS buildings,
              (SELECT count(*)::int FROM bdnb.adresse) AS addresses,
              pg_database_size(current_database())::float8 AS bytes`,
    );
    // seeded picks: the same ones for a given set of départements
    const batids = (
      await store.query<{ b: string }>(
        `SELECT batid AS b FROM batid.building WHERE status = 'constructed'
          ORDER BY md5(batid || $1) LIMIT $2`,
        [String(round), samples],
      )
    ).map((r) => r.b);
    const labels = (
      await store.query<{ l: string }>(
        `SELECT libelle_adresse AS l FROM bdnb.adresse WHERE libelle_adresse IS NOT NULL
          ORDER BY md5(cle_interop_adr || $1) LIMIT $2`,
        [String(round), samples],
      )
    ).map((r) => r.l);
    const app = await buildApp(store, { logLevel: 'silent', jobs: false });
    try {
      const t0 = performance.now();
      // the address index of every département (what a server builds at start), built to the end:
      // a first search through the app would stop at the 30 s handler timeout and leave the
      // build running under the measures
      await addressServiceOf(store).ready();
      const addressIndexS = (performance.now() - t0) / 1000;
      const timed = async (urls: string[]): Promise<Timing> => {
        // one warm-up pass over a few, then every pick once
        for (const u of urls.slice(0, 20)) await app.inject({ url: u });
        const ms: number[] = [];
        let errors = 0;
        const failures: string[] = [];
        for (const u of urls) {
          const s = performance.now();
          const r = await app.inject({ url: u });
          ms.push(performance.now() - s);
          if (r.statusCode < 400) continue;
          errors++;
          if (failures.length < 5) failures.push(`${r.statusCode} ${u} ${r.body.slice(0, 200)}`);
        }
        ms.sort((a, b) => a - b);
        return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), errors, failures };
      };
      const card = await timed(batids.map((b) => `/v1/buildings/${b}`));
      const search = await timed(
        labels.map((l) => `/v1/addresses/search?q=${encodeURIComponent(l)}&limit=5`),
      );
      const eligibility = await timed(labels.map((l) => `/v1/eligibility?address=${encodeURIComponent(l)}`));
      return {
        dept,
        buildings: size!.buildings,
        addresses: size!.addresses,
        synth_s: t.synthS,
        import_s: t.importS,
        networks_s: t.networksS,
        db_bytes: size!.bytes,
        address_index_s: addressIndexS,
        rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
        load: loadavg()[0]!,
        card,
        search,
        eligibility,
      };
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
  }
}
