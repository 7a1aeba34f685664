/**
 * `npm run bench -- lifecycle [--scale 1] [--backends embedded,postgres]`
 * synth (seed 1), its next millésime (`--evolve-from`, seed 2), import of the first, then timed
 * re-import of the second with BatID matching; then `resolve` lookups in-process (bdnb_bc and
 * batid schemes, 20,000 random ids each, 8 callers at once) with their rate and p50/p99.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BDNB_TABLES } from '../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../src/ingest/import-dir.js';
import { resolve } from '../src/ids/resolve.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { evolve } from '../src/synth/evolve.js';
import { synthesize } from '../src/synth/synthesize.js';
import { Prng } from '../src/synth/prng.js';
import { machine } from './machine.js';

const OUT = join(resolvePath(import.meta.dirname, '..'), 'bench', 'out');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function lookups(
  store: Store,
  scheme: string,
  ids: string[],
): Promise<{ perSecond: number; p50: number; p99: number }> {
  const times: number[] = [];
  const t0 = performance.now();
  let next = 0;
  // 8 callers at once, as a server would issue them (the pg pool has 8 connections; PGlite queues)
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const s = performance.now();
        const m = await resolve(store, scheme, id);
        if (!m.length) throw new Error(`${scheme} ${id} did not resolve`);
        times.push(performance.now() - s);
      }
    }),
  );
  const total = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  return {
    perSecond: Math.round(ids.length / total),
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
  };
}

async function leg(name: string, store: Store, m1: string, m2: string): Promise<Record<string, unknown>> {
  const first = await importBdnb(store, BDNB_TABLES, {
    paths: [m1],
    millesime: '2023-11',
    rejectsPath: join(OUT, 'lc-r1.csv'),
  });
  const t0 = performance.now();
  const second = await importBdnb(store, BDNB_TABLES, {
    paths: [m2],
    millesime: '2024-10',
    rejectsPath: join(OUT, 'lc-r2.csv'),
  });
  const reimport = (performance.now() - t0) / 1000;
  console.log(`\n${name}: first import BatID assignment ${first.batidSeconds.toFixed(1)} s`);
  console.log(
    `${name}: re-import of the next millésime ${reimport.toFixed(1)} s, of which matching/assignment ${second.batidSeconds.toFixed(1)} s`,
  );
  console.log(`  ${JSON.stringify(second.batids[0])}`);
  const rng = new Prng(42);
  const bc = (
    await store.query<{ external_id: string }>(
      `SELECT external_id FROM batid.id_link WHERE scheme = 'bdnb_bc' AND active`,
    )
  ).map((r) => r.external_id);
  const bat = (await store.query<{ batid: string }>(`SELECT batid FROM batid.building`)).map((r) => r.batid);
  const pick = (xs: string[]) => Array.from({ length: 20_000 }, () => rng.pick(xs));
  await resolve(store, 'batid', bat[0]!); // warm-up: builds the in-process index where there is one
  const r1 = await lookups(store, 'bdnb_bc', pick(bc));
  const r2 = await lookups(store, 'batid', pick(bat));
  console.log(
    `  resolve bdnb_bc: ${r1.perSecond} lookups/s, p50 ${r1.p50.toFixed(2)} ms, p99 ${r1.p99.toFixed(2)} ms`,
  );
  console.log(
    `  resolve batid:   ${r2.perSecond} lookups/s, p50 ${r2.p50.toFixed(2)} ms, p99 ${r2.p99.toFixed(2)} ms`,
  );
  return {
    reimportSeconds: reimport,
    assignSeconds: second.batidSeconds,
    firstAssignSeconds: first.batidSeconds,
    summary: second.batids[0],
    resolveBc: r1,
    resolveBatid: r2,
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scale: { type: 'string', default: '1' },
      backends: { type: 'string', default: 'embedded,postgres' },
    },
  });
  mkdirSync(OUT, { recursive: true });
  console.log(`machine: ${machine()}`);
  const scale = Number(values.scale);
  const m1 = join(OUT, `synth-03-s${values.scale}`);
  const m2 = join(OUT, `synth-03-s${values.scale}-next`);
  if (!existsSync(join(m1, 'batiment_groupe.csv'))) await synthesize({ dept: '03', scale, seed: 1, out: m1 });
  if (!existsSync(join(m2, 'ground_truth.csv'))) await evolve({ from: m1, out: m2, seed: 2 });
  const results: Record<string, unknown> = { machine: machine(), scale };
  const backends = values.backends!.split(',');
  if (backends.includes('embedded')) {
    const dir = join(OUT, `lc-db-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    const store = await openStore({ dbDir: dir });
    try {
      results.embedded = await leg('embedded', store, m1, m2);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const server = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (backends.includes('postgres')) {
    if (!server) console.log('\npostgres: SKIPPED (set BENCH_DATABASE_URL or TEST_DATABASE_URL)');
    else {
      const name = `batid_lc_${process.pid}`;
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      const u = new URL(server);
      u.pathname = `/${name}`;
      const store = await openStore({ databaseUrl: u.toString() });
      try {
        results.postgres = await leg('postgres', store, m1, m2);
      } finally {
        await store.close();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    }
  }
  const file = join(OUT, `lifecycle-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`\nwritten ${file}`);
}
