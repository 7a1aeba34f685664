import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { backends } from '../helpers/backends.js';
import { bdnbChecksums } from '../helpers/db-checksum.js';
import { writeGridExport } from '../helpers/gen-csv.js';
import { killSeed, runCli, seededRandom, type KillPoint } from '../helpers/kill-child.js';

/** Building groups in the export (two footprints each): big enough that every phase takes a while. */
const GROUPS = 8_000;
const SEED = killSeed(20260904);
const RANDOM_KILLS = 4;

/**
 * What must match between two registries whose BatIDs were drawn independently: counts by status,
 * scheme and event kind, and the invariants of the crosswalk (each BDNB construction id linked to
 * exactly one constructed BatID, no building twice, no link or event to a BatID that does not exist).
 */
async function registry(store: Store) {
  const q = async (sql: string) => store.query<Record<string, unknown>>(sql);
  const n = async (sql: string) => (await store.query<{ n: number }>(sql))[0]!.n;
  return {
    buildings: await q(`SELECT status, count(*)::int AS n FROM batid.building GROUP BY 1 ORDER BY 1`),
    links: await q(
      `SELECT scheme, active, count(*)::int AS n FROM batid.id_link GROUP BY 1, 2 ORDER BY 1, 2`,
    ),
    events: await q(`SELECT kind, count(*)::int AS n FROM batid.event GROUP BY 1 ORDER BY 1`),
    conflicts: await n(`SELECT count(*)::int AS n FROM batid.conflict`),
    sources: await q(
      `SELECT table_name, code_departement_insee, millesime, rows_imported FROM batid.source_version ORDER BY 1, 2`,
    ),
    bcNotLinkedOnce: await n(
      `SELECT count(*)::int AS n FROM bdnb.batiment_construction c
        WHERE (SELECT count(*) FROM batid.id_link l JOIN batid.building b ON b.batid = l.batid AND b.status = 'constructed'
                WHERE l.scheme = 'bdnb_bc' AND l.external_id = c.batiment_construction_id AND l.active) <> 1`,
    ),
    linksToAnotherBuilding: await n(
      `SELECT count(*)::int AS n FROM batid.id_link l JOIN batid.building b ON b.batid = l.batid
        WHERE l.scheme = 'bdnb_bc' AND l.active AND b.batiment_construction_id IS DISTINCT FROM l.external_id`,
    ),
    bcTwice: await n(
      `SELECT count(*)::int AS n FROM (SELECT batiment_construction_id FROM batid.building
        WHERE status = 'constructed' GROUP BY 1 HAVING count(*) > 1) d`,
    ),
    danglingLinks: await n(
      `SELECT count(*)::int AS n FROM batid.id_link l WHERE NOT EXISTS (SELECT 1 FROM batid.building b WHERE b.batid = l.batid)`,
    ),
    danglingEvents: await n(
      `SELECT count(*)::int AS n FROM batid.event e WHERE NOT EXISTS (SELECT 1 FROM batid.building b WHERE b.batid = e.batid)`,
    ),
    notCreatedOnce: await n(
      `SELECT count(*)::int AS n FROM batid.building b
        WHERE (SELECT count(*) FROM batid.event e WHERE e.batid = b.batid AND e.kind = 'creation') <> 1`,
    ),
    leftovers: await n(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = 'bdnb' AND (c.relname LIKE '%\\_\\_load%' OR c.relname LIKE '%\\_\\_new%')`,
    ),
  };
}

/** import_run after the runs: the last one done, killed ones left running (never failed), every source from the last. */
async function checkRuns(store: Store, attempts: number): Promise<void> {
  const runs = await store.query<{ run_id: number; status: string; finished: boolean }>(
    `SELECT run_id, status, finished_at IS NOT NULL AS finished FROM batid.import_run ORDER BY run_id`,
  );
  assert.ok(runs.length >= 1 && runs.length <= attempts + 1, JSON.stringify(runs));
  const last = runs.at(-1)!;
  assert.equal(last.status, 'done');
  for (const r of runs) {
    assert.notEqual(r.status, 'failed', `run ${r.run_id} says failed: a SIGKILL cannot say so`);
    assert.equal(r.finished, r.status === 'done', `run ${r.run_id}: ${r.status}, finished_at ${r.finished}`);
  }
  const src = await store.query<{ run_id: number; n: number }>(
    `SELECT run_id, count(*)::int AS n FROM batid.source_version GROUP BY 1`,
  );
  assert.deepEqual(src, [{ run_id: last.run_id, n: 2 }], 'every partition is the last run’s');
  const files = await store.query<{ table_name: string; rows_imported: number }>(
    `SELECT table_name, rows_imported FROM batid.import_file WHERE run_id = $1 ORDER BY 1`,
    [last.run_id],
  );
  assert.deepEqual(files, [
    { table_name: 'batiment_construction', rows_imported: 2 * GROUPS },
    { table_name: 'batiment_groupe', rows_imported: GROUPS },
  ]);
  const orphans = await store.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM batid.event e WHERE NOT EXISTS (SELECT 1 FROM batid.import_run r WHERE r.run_id = e.run_id)`,
  );
  assert.equal(orphans[0]!.n, 0, 'events of a run that was never recorded');
}

for (const make of backends()) {
  const name = make().name;
  describe(`import SIGKILLed at random points, then re-run [${name}]`, () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-kill-'));
      await writeGridExport(dir, GROUPS);
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    test('ends with the same tables and an equivalent BatID registry as an uninterrupted import', async (t) => {
      // reference: an uninterrupted `batid import`, timed to place the kills
      const clean = make();
      await (await clean.open()).close();
      const cliArgs = (conn: { dbDir?: string }, rejects: string) => [
        'import',
        dir,
        ...(conn.dbDir ? ['--db', conn.dbDir] : []),
        '--rejects',
        join(dir, rejects),
      ];
      const envOf = (conn: { databaseUrl?: string }) => ({ DATABASE_URL: conn.databaseUrl ?? '' });
      const ref = await runCli(cliArgs(clean.connection(), 'r0.csv'), envOf(clean.connection()));
      assert.equal(ref.code, 0, ref.stdout + ref.stderr);
      let store = await openStore(clean.connection());
      const want = await bdnbChecksums(store);
      const wantRegistry = await registry(store);
      await checkRuns(store, 0);
      await store.close();
      await clean.dispose();
      assert.equal(wantRegistry.bcNotLinkedOnce, 0);

      // the victim: killed while copying the second table, then at seeded random points
      // half of the random kills counted from the start (the process may still be opening the
      // database), half from the end of the first file (staging, swap, assignment, bookkeeping)
      const random = seededRandom(SEED);
      const firstFile = /batiment_groupe: \d+ imported/;
      const rest = ref.ms - (ref.firstOutputMs ?? 0);
      const points: KillPoint[] = [
        { after: firstFile, ms: 150 },
        ...Array.from({ length: RANDOM_KILLS }, (_, i) =>
          i % 2
            ? { after: firstFile, ms: Math.round(random() * rest) }
            : { ms: Math.round(300 + random() * (ref.ms - 300)) },
        ),
      ];
      t.diagnostic(
        `KILL_SEED=${SEED}, clean import ${Math.round(ref.ms)} ms (first file done at ${Math.round(ref.firstOutputMs ?? 0)} ms); kills: ${points
          .map((p) => (p.after ? `${p.ms} ms after ${p.after}` : `${p.ms} ms`))
          .join(', ')}`,
      );
      const victim = make();
      await (await victim.open()).close();
      const conn = victim.connection();
      const outcomes: string[] = [];
      for (const [i, p] of points.entries()) {
        const r = await runCli(cliArgs(conn, `r${i + 1}.csv`), envOf(conn), p);
        outcomes.push(r.killed ? `killed at ${Math.round(r.ms)} ms` : `ended ${r.code}`);
        // a run that was not killed must have succeeded (a database it cannot open is the bug)
        if (!r.killed) assert.equal(r.code, 0, `attempt ${i + 1}: ${r.stdout}${r.stderr}`);
      }
      t.diagnostic(`attempts: ${outcomes.join(', ')}`);
      assert.ok(outcomes.filter((o) => o.startsWith('killed')).length >= 3, outcomes.join(', '));

      const tFinal = performance.now();
      store = await openStore(conn);
      try {
        await importBdnb(store, BDNB_TABLES, { paths: [dir], rejectsPath: join(dir, 'r9.csv') });
        t.diagnostic(`final run ${Math.round(performance.now() - tFinal)} ms`);
        assert.deepEqual(await bdnbChecksums(store), want);
        assert.deepEqual(await registry(store), wantRegistry);
        await checkRuns(store, points.length + 1);
      } finally {
        await store.close();
        await victim.dispose();
      }
    });
  });
}
