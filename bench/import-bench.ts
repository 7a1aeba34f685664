/**
 * `npm run bench -- import [--scale 1] [--data DIR] [--backends embedded,postgres]`
 * synth (seed 1) then `batid import` on each backend, in a child process running the built CLI:
 * rows/s per table, total time, peak RSS. On PostgreSQL also loads the five priority tables with
 * `ogr2ogr -f PostgreSQL` (PG_USE_COPY, GiST index) and our importer on the same five files, and
 * prints the ratio. A server comes from BENCH_DATABASE_URL or TEST_DATABASE_URL (a maintenance
 * database; the bench creates and drops its own).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { machine } from './machine.js';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
const PRIORITY = [
  'batiment_groupe',
  'batiment_construction',
  'adresse',
  'rel_batiment_groupe_adresse',
  'batiment_groupe_dpe_representatif_logement',
];

interface FileReport {
  table: string;
  imported: number;
  rejected: number;
  timings: Record<string, number>;
}
interface Report {
  backend: string;
  seconds: number;
  batidSeconds?: number;
  /** DPE histories and renovations derived, card bodies built: per département, after the tables. */
  renovations?: { seconds: number }[];
  cards?: { seconds: number; groups: number }[];
  maxRssMB: number;
  files: FileReport[];
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
}

async function withDatabase<T>(adminUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `batid_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const db = new pg.Client({ connectionString: u.toString() });
  await db.connect();
  await db.query('CREATE EXTENSION IF NOT EXISTS postgis');
  await db.end();
  try {
    return await fn(u.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

function runImport(paths: string[], env: NodeJS.ProcessEnv, extra: string[] = []): Report {
  const report = join(OUT, `import-report-${process.pid}.json`);
  sh(
    process.execPath,
    [
      'bin/batid.js',
      'import',
      ...paths,
      '--rejects',
      join(OUT, 'bench-rejects.csv'),
      '--report',
      report,
      ...extra,
    ],
    env,
  );
  return JSON.parse(readFileSync(report, 'utf8')) as Report;
}

const sum = (xs: { seconds: number }[] | undefined): number => (xs ?? []).reduce((n, x) => n + x.seconds, 0);

function printReport(label: string, r: Report): void {
  console.log(
    `\n${label}: ${r.seconds.toFixed(1)} s total (BatID assignment ${(r.batidSeconds ?? 0).toFixed(1)} s, ` +
      `renovations ${sum(r.renovations).toFixed(1)} s, card bodies ${sum(r.cards).toFixed(1)} s), peak RSS ${r.maxRssMB} MB`,
  );
  console.log('  table'.padEnd(52) + 'rows'.padStart(10) + 'rows/s'.padStart(10) + '  phases (s)');
  for (const f of r.files) {
    const s = Object.values(f.timings).reduce((a, b) => a + b, 0);
    const phases = Object.entries(f.timings)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');
    console.log(
      `  ${f.table.padEnd(50)}${String(f.imported).padStart(10)}${String(Math.round(f.imported / Math.max(s, 1e-3))).padStart(10)}  ${phases}`,
    );
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scale: { type: 'string', default: '1' },
      data: { type: 'string' },
      backends: { type: 'string', default: 'embedded,postgres' },
    },
  });
  mkdirSync(OUT, { recursive: true });
  console.log(`machine: ${machine()}`);
  sh(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  let data = values.data;
  if (!data) {
    data = join(OUT, `synth-03-s${values.scale}`);
    if (!existsSync(join(data, 'batiment_groupe.csv'))) {
      const t0 = Date.now();
      sh(process.execPath, [
        'bin/batid.js',
        'synth',
        '--dept',
        '03',
        '--scale',
        values.scale!,
        '--seed',
        '1',
        '--out',
        data,
      ]);
      console.log(`synth --scale ${values.scale}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  const results: Record<string, unknown> = { machine: machine(), data, scale: values.scale };
  const backends = values.backends!.split(',');

  if (backends.includes('embedded')) {
    const db = join(OUT, `bench-db-${process.pid}`);
    rmSync(db, { recursive: true, force: true });
    try {
      const r = runImport([data], { DATABASE_URL: '' }, ['--db', db]);
      printReport('embedded (PGlite), whole département', r);
      results.embedded = r;
    } finally {
      rmSync(db, { recursive: true, force: true });
    }
  }

  const server = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (backends.includes('postgres')) {
    if (!server)
      console.log('\npostgres: SKIPPED (set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostGIS server)');
    else {
      results.postgres = await withDatabase(server, async (url) => {
        const r = runImport([data!], { DATABASE_URL: url });
        printReport('postgres, whole département', r);
        return r;
      });
      const five = PRIORITY.map((t) => join(data!, `${t}.csv`));
      const ours = await withDatabase(server, async (url) => runImport(five, { DATABASE_URL: url }));
      printReport('postgres, the five priority tables (batid import)', ours);
      const ogr = await withDatabase(server, async (url) => {
        const u = new URL(url);
        const conn = `PG:host=${u.hostname} port=${u.port || 5432} dbname=${u.pathname.slice(1)} user=${decodeURIComponent(u.username)}`;
        const t0 = Date.now();
        for (const f of five) {
          execFileSync(
            'ogr2ogr',
            [
              '-f',
              'PostgreSQL',
              conn,
              f,
              '-oo',
              'GEOM_POSSIBLE_NAMES=WKT',
              '-oo',
              'KEEP_GEOM_COLUMNS=NO',
              '-a_srs',
              'EPSG:2154',
              '-lco',
              'SPATIAL_INDEX=GIST',
              '-nlt',
              'PROMOTE_TO_MULTI',
              '--config',
              'PG_USE_COPY',
              'YES',
              '-overwrite',
            ],
            { stdio: 'inherit' },
          );
        }
        return (Date.now() - t0) / 1000;
      });
      console.log(`\nogr2ogr -f PostgreSQL, same five files: ${ogr.toFixed(1)} s`);
      const cards = sum(ours.cards);
      const load = ours.seconds - (ours.batidSeconds ?? 0) - sum(ours.renovations) - cards;
      console.log(`ratio batid import / ogr2ogr: ${(ours.seconds / ogr).toFixed(2)} (goal ≤ 1)`);
      console.log(
        `  of which BatID assignment ${(ours.batidSeconds ?? 0).toFixed(1)} s, card bodies ${cards.toFixed(1)} s; ` +
          `loading alone: ${load.toFixed(1)} s, ratio ${(load / ogr).toFixed(2)}`,
      );
      results.priority = {
        batid: ours.seconds,
        batidAssignment: ours.batidSeconds,
        cardBodies: cards,
        ogr2ogr: ogr,
        ratio: ours.seconds / ogr,
        loadRatio: load / ogr,
      };
    }
  }
  const file = join(OUT, `import-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`\nwritten ${file}`);
}
