import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { AddressService, buildingsAtAddress } from '../../src/address/address-service.js';
import { buildingCard } from '../../src/buildings/card.js';
import { buildingsAt, listBuildings } from '../../src/buildings/locate.js';
import { linkedIds } from '../../src/ids/linked-ids.js';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { joinColumns } from '../../src/ingest/catalog/ddl.js';
import { analyzeParent } from '../../src/ingest/parent-statistics.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { sqlLiteral, type Literal } from '../../src/store/copy-text.js';
import { loadMigrations } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open-store.js';
import type { Queryable, Store } from '../../src/store/store.js';
import { synthesize } from '../../src/synth/synthesize.js';
import { backends, type Backend } from '../helpers/backends.js';

/**
 * Issue 10 §1: two départements side by side in one database, each query of a card, of an
 * address → building and of a commune listing reading only its département's partitions (shown
 * by EXPLAIN on the statements the services really run), and a re-import of one département
 * replacing its partitions only, with no long lock on the parent tables.
 */

const SCALE = 0.005;
const A = '03';
const B = '63';

interface Recorded {
  sql: string;
  params: readonly Literal[];
}

/** The store, with every statement the services send through it written down. */
function recording(store: Store, log: Recorded[]): Store {
  const wrap = (q: Queryable): Queryable => ({
    query: <T>(sql: string, params?: readonly unknown[]) => {
      log.push({ sql, params: (params ?? []) as Literal[] });
      return q.query<T>(sql, params);
    },
    exec: (sql: string) => {
      log.push({ sql, params: [] });
      return q.exec(sql);
    },
  });
  return {
    kind: store.kind,
    location: store.location,
    ...wrap(store),
    copyFrom: (table, columns, chunks) => store.copyFrom(table, columns, chunks),
    copyOut: <T extends (string | null)[]>(sql: string, params?: readonly Literal[]) => {
      log.push({ sql, params: params ?? [] });
      return store.copyOut<T>(sql, params);
    },
    prepared: <T>(name: string, sql: string, params: readonly Literal[]) => {
      log.push({ sql, params });
      return store.prepared<T>(name, sql, params);
    },
    transaction: (fn) => store.transaction((tx) => fn(wrap(tx))),
    close: () => store.close(),
  };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Schema?: string;
  'Subplans Removed'?: number;
  Plans?: PlanNode[];
}

function scannedRelations(node: PlanNode, out: string[] = []): string[] {
  if (node['Relation Name']) out.push(`${node.Schema}.${node['Relation Name']}`);
  for (const p of node.Plans ?? []) scannedRelations(p, out);
  return out;
}

/** Partitioned tables (schema.name) and, for each partition, its parent and list value. */
async function partitionCatalog(store: Store): Promise<{
  parents: Set<string>;
  partitions: Map<string, { parent: string; dept: string }>;
}> {
  const parents = await store.query<{ t: string }>(
    `SELECT n.nspname || '.' || c.relname AS t FROM pg_partitioned_table p
       JOIN pg_class c ON c.oid = p.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace`,
  );
  const parts = await store.query<{ t: string; parent: string; bound: string }>(
    `SELECT n.nspname || '.' || c.relname AS t, pn.nspname || '.' || p.relname AS parent,
            pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
      WHERE p.relkind = 'p'`,
  );
  const partitions = new Map<string, { parent: string; dept: string }>();
  for (const r of parts) {
    const m = /^FOR VALUES IN \('([^']+)'\)$/.exec(r.bound);
    assert.ok(m, `${r.t}: one value per partition, got ${r.bound}`);
    partitions.set(r.t, { parent: r.parent, dept: m[1]! });
  }
  return { parents: new Set(parents.map((r) => r.t)), partitions };
}

/** The partitioned tables an SQL text names (schema.table, quoted or not). */
function partitionedIn(sql: string, parents: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const m of sql.matchAll(/\b([a-z_]+)\."?([a-z0-9_]+)"?/g)) {
    const t = `${m[1]}.${m[2]}`;
    if (parents.has(t)) out.add(t);
  }
  return out;
}

interface Explained {
  /** partitions read, by parent */
  read: Map<string, Set<string>>;
  /** partitions of another département that the plan reads */
  foreign: string[];
  subplansRemoved: number;
}

/**
 * EXPLAIN of a recorded statement with its real parameters, under the plan the server uses
 * (`generic`: the prepared statements' forced generic plan, pruned at executor start) or a
 * custom plan (pruned by the planner). Prepared in one transaction, so on one session.
 */
async function explain(
  store: Store,
  rec: Recorded,
  mode: 'generic' | 'custom',
  dept: string,
  catalog: Awaited<ReturnType<typeof partitionCatalog>>,
): Promise<Explained> {
  const plan = await store.transaction(async (tx) => {
    await tx.exec(`SET LOCAL plan_cache_mode = force_${mode}_plan`);
    await tx.exec(`PREPARE partition_probe AS ${rec.sql}`);
    try {
      const args = rec.params.length ? `(${rec.params.map(sqlLiteral).join(', ')})` : '';
      const r = await tx.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE partition_probe${args}`,
      );
      const raw = r[0]!['QUERY PLAN'];
      return (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
    } finally {
      await tx.exec('DEALLOCATE partition_probe');
    }
  });
  const read = new Map<string, Set<string>>();
  const foreign: string[] = [];
  let subplansRemoved = 0;
  const walk = (n: PlanNode) => {
    subplansRemoved += n['Subplans Removed'] ?? 0;
    n.Plans?.forEach(walk);
  };
  walk(plan[0]!.Plan);
  for (const rel of scannedRelations(plan[0]!.Plan)) {
    const p = catalog.partitions.get(rel);
    if (catalog.parents.has(rel)) foreign.push(`${rel} (the parent itself)`);
    if (!p) continue;
    if (p.dept !== dept) foreign.push(rel);
    let s = read.get(p.parent);
    if (!s) read.set(p.parent, (s = new Set()));
    s.add(rel);
  }
  return { read, foreign, subplansRemoved };
}

/**
 * Every recorded statement that names a partitioned table reads, under both plans, one partition
 * of each such table — the département's — and no other. Returns one line per statement.
 */
async function assertPruned(store: Store, log: Recorded[], dept: string, what: string): Promise<string[]> {
  const catalog = await partitionCatalog(store);
  const lines: string[] = [];
  let checked = 0;
  for (const rec of log) {
    const named = partitionedIn(rec.sql, catalog.parents);
    if (!named.size) continue;
    checked++;
    for (const mode of ['generic', 'custom'] as const) {
      const e = await explain(store, rec, mode, dept, catalog);
      const head = `${what} [${mode}] ${rec.sql.replace(/\s+/g, ' ').slice(0, 90)}…`;
      assert.deepEqual(e.foreign, [], `${head}: reads partitions of other départements`);
      for (const t of named) {
        const parts = [...(e.read.get(t) ?? [])];
        assert.equal(
          parts.length,
          1,
          `${head}: ${t} should be read through exactly one partition, got ${parts}`,
        );
        assert.equal(catalog.partitions.get(parts[0]!)!.dept, dept);
      }
      // the other département's partitions exist: a generic plan with the département as a
      // parameter must have pruned them at start (bound as a literal, src/store/dept-statement.ts,
      // the planner did)
      if (mode === 'generic' && !rec.sql.includes(`'${dept}'`))
        assert.ok(e.subplansRemoved >= named.size, `${head}: no run-time pruning`);
      lines.push(
        `${what} [${mode}]: ${named.size} partitioned tables, ${[...e.read.values()].reduce((n, s) => n + s.size, 0)} partitions read (all ${dept}), ${e.subplansRemoved} subplans removed`,
      );
    }
  }
  assert.ok(checked > 0, `${what}: no statement read a partitioned table`);
  return lines;
}

interface Sample {
  batid: string;
  address: string;
  label: string;
  commune: string;
}

/** A constructed building of a département with an address linked to it. */
async function sampleOf(store: Store, dept: string): Promise<Sample> {
  const r = await store.query<Sample>(
    `SELECT b.batid, a.cle_interop_adr AS address, a.libelle_adresse AS label, a.code_commune_insee AS commune
       FROM batid.building b
       JOIN bdnb.rel_batiment_groupe_adresse r ON r.code_departement_insee = b.code_departement_insee
                                              AND r.batiment_groupe_id = b.batiment_groupe_id
       JOIN bdnb.adresse a ON a.code_departement_insee = r.code_departement_insee AND a.cle_interop_adr = r.cle_interop_adr
       JOIN bdnb.batiment_groupe_dpe_representatif_logement d ON d.code_departement_insee = b.code_departement_insee
                                                              AND d.batiment_groupe_id = b.batiment_groupe_id
      WHERE b.code_departement_insee = $1 AND b.status = 'constructed' AND a.libelle_adresse IS NOT NULL
      ORDER BY b.batid LIMIT 1`,
    [dept],
  );
  assert.ok(r[0], `no building with an address in ${dept}`);
  return r[0];
}

/** Identity and size of every partition of a département: OID, file, rows. */
async function partitionsOf(store: Store, dept: string): Promise<Map<string, string>> {
  const rows = await store.query<{ t: string; oid: number; fn: number; bound: string }>(
    `SELECT n.nspname || '.' || c.relname AS t, c.oid::int8 AS oid, c.relfilenode::int8 AS fn,
            pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relkind = 'p' AND pg_get_expr(c.relpartbound, c.oid) = $1
      ORDER BY 1`,
    [`FOR VALUES IN ('${dept}')`],
  );
  const out = new Map<string, string>();
  for (const r of rows) {
    const n = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${r.t}`);
    out.set(r.t, `oid ${r.oid} file ${r.fn} rows ${n[0]!.n}`);
  }
  return out;
}

async function registryOf(store: Store, dept: string): Promise<string> {
  const r = await store.query<{ s: string }>(
    `SELECT count(*) || ':' || md5(coalesce(string_agg(batid || status || coalesce(batiment_groupe_id, ''), ',' ORDER BY batid), '')) AS s
       FROM batid.building WHERE code_departement_insee = $1`,
    [dept],
  );
  return r[0]!.s;
}

for (const make of backends()) {
  const name = make().name;
  describe(`départements side by side, one partition per query [${name}]`, () => {
    let backend: Backend;
    let store: Store;
    let dir: string;
    const exportOf: Record<string, string> = {};
    const sample: Record<string, Sample> = {};
    const importDept = async (out: string) =>
      importBdnb(store, BDNB_TABLES, { paths: [out], millesime: '2024-10', rejectsPath: join(dir, 'r.csv') });

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batid-partitions-'));
      for (const [dept, seed] of [
        [A, 1],
        [B, 2],
      ] as const) {
        exportOf[dept] = join(dir, dept);
        await synthesize({ dept, scale: SCALE, seed, out: exportOf[dept] });
      }
      const again = (exportOf[`${A}-again`] = join(dir, `${A}-again`));
      await synthesize({ dept: A, scale: SCALE, seed: 3, out: again });
      backend = make();
      store = await backend.open();
      await importDept(exportOf[A]!);
      await importDept(exportOf[B]!);
      for (const d of [A, B]) sample[d] = await sampleOf(store, d);
    });
    after(async () => {
      await backend?.dispose();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test('both départements are imported side by side and served', async () => {
      const parts = await store.query<{ dept: string; n: number }>(
        `SELECT substring(pg_get_expr(c.relpartbound, c.oid) from '''(.*)''') AS dept, count(*)::int AS n
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
           JOIN pg_namespace n ON n.oid = p.relnamespace
          WHERE p.relkind = 'p' AND n.nspname = 'bdnb' GROUP BY 1 ORDER BY 1`,
      );
      assert.deepEqual(
        parts.map((p) => p.dept),
        [A, B],
      );
      assert.equal(parts[0]!.n, parts[1]!.n, 'each département has a partition of every table');
      const search = new AddressService(store);
      for (const d of [A, B]) {
        const s = sample[d]!;
        const card = await buildingCard(store, s.batid);
        assert.ok(card);
        assert.equal(card.code_departement_insee, d);
        assert.ok(card.sections.energie, `${d}: the card has its DPE section`);
        assert.ok(
          card.addresses.some((a) => a.cle_interop_adr === s.address),
          `${d}: the card lists ${s.address}`,
        );
        const [hit] = await search.search(s.label, { limit: 1 });
        assert.equal(hit?.cle_interop_adr, s.address, `${d}: "${s.label}" is found`);
        assert.equal(hit.citycode, s.commune);
        const at = await buildingsAtAddress(store, hit);
        assert.ok(
          at.some((x) => x.batid === s.batid),
          `${d}: the address leads to ${s.batid}`,
        );
        const page = await listBuildings(store, { commune: s.commune, limit: 1000 });
        assert.ok(page.results.some((x) => x.batid === s.batid));
      }
    });

    test('each parent has statistics on its join columns: a join of two tables is estimated from the data', async () => {
      // autovacuum never analyses a partitioned parent; the planner estimates joins from its statistics
      const stats = await store.query<{ t: string; c: string }>(
        `SELECT tablename AS t, attname AS c FROM pg_stats WHERE schemaname = 'bdnb' AND inherited`,
      );
      const have = new Set(stats.map((r) => `${r.t}.${r.c}`));
      let checked = 0;
      for (const table of BDNB_TABLES) {
        const [any] = await store.query(`SELECT 1 FROM bdnb."${table.name}" LIMIT 1`);
        if (!any) continue;
        checked++;
        for (const c of joinColumns(table)) assert.ok(have.has(`${table.name}.${c}`), `${table.name}.${c}`);
      }
      assert.ok(checked > 40, `${checked} tables with rows`);
      // one group's addresses: one or two rows, not PostgreSQL's default 0.5 % of the addresses
      const [plan] = await store.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (FORMAT JSON) SELECT a.* FROM bdnb.rel_batiment_groupe_adresse r
           JOIN bdnb.adresse a ON a.code_departement_insee = r.code_departement_insee AND a.cle_interop_adr = r.cle_interop_adr
          WHERE r.code_departement_insee = '${A}' AND r.batiment_groupe_id = 'x'`,
      );
      const raw = plan!['QUERY PLAN'];
      const top = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: { 'Plan Rows': number } }[];
      assert.ok(top[0]!.Plan['Plan Rows'] <= 2, `estimated ${top[0]!.Plan['Plan Rows']} rows`);
      // a database imported before: migration 0019 gathers them once
      const inherited = `SELECT attname AS c FROM pg_stats WHERE schemaname = 'bdnb' AND tablename = 'adresse' AND inherited ORDER BY 1`;
      const before = await store.query<{ c: string }>(inherited);
      await store.exec(`DELETE FROM pg_statistic WHERE starelid = 'bdnb.adresse'::regclass AND stainherit`);
      assert.equal((await store.query(inherited)).length, 0);
      const m19 = (await loadMigrations()).find((m) => m.version === 19)!;
      await store.exec(m19.sql);
      assert.deepEqual(await store.query(inherited), before);
      assert.deepEqual(
        before.map((r) => r.c),
        joinColumns(BDNB_TABLES.find((t) => t.name === 'adresse')!).sort(),
      );
    });

    test('a parent of many partitions is analysed once, one of a few at each import', async () => {
      await store.exec(`CREATE TABLE public.pt (id text, d text) PARTITION BY LIST (d)`);
      try {
        const add = async (d: string) => {
          await store.exec(`CREATE TABLE public.pt_${d} PARTITION OF public.pt FOR VALUES IN ('${d}')`);
          await store.exec(`INSERT INTO public.pt SELECT '${d}' || g, '${d}' FROM generate_series(1, 50) g`);
        };
        for (const d of ['a', 'b']) await add(d);
        assert.equal(await analyzeParent(store, 'public', 'pt', ['id', 'd']), true);
        assert.equal(await analyzeParent(store, 'public', 'pt', ['id', 'd']), true, 'two partitions: again');
        for (const d of ['c', 'd', 'e']) await add(d);
        assert.equal(await analyzeParent(store, 'public', 'pt', ['id', 'd']), false, 'five: it has them');
        assert.equal(await analyzeParent(store, 'public', 'pt', ['id']), false);
        await store.exec(`DELETE FROM pg_statistic WHERE starelid = 'public.pt'::regclass AND stainherit`);
        assert.equal(await analyzeParent(store, 'public', 'pt', ['id', 'd']), true, 'five, none yet');
        const [n] = await store.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stats WHERE schemaname = 'public' AND tablename = 'pt' AND inherited`,
        );
        assert.equal(n!.n, 2);
      } finally {
        await store.exec(`DROP TABLE public.pt`);
      }
    });

    test('EXPLAIN: a card, an address → building and a commune listing read only their département’s partitions', async (t) => {
      const evidence: string[] = [];
      for (const d of [A, B]) {
        const s = sample[d]!;
        const log: Recorded[] = [];
        const rec = recording(store, log);
        const card = await buildingCard(rec, s.batid);
        assert.ok(card?.sections.energie);
        evidence.push(...(await assertPruned(store, log, d, `card ${d}`)));

        log.length = 0;
        assert.ok((await linkedIds(rec, s.batid))?.ids.bdnb_bg?.length);
        evidence.push(...(await assertPruned(store, log, d, `ids ${d}`)));

        // the search runs in memory once its index is loaded: no SQL on the BDNB/BAN tables per query
        const search = new AddressService(rec);
        await search.ready();
        log.length = 0;
        const [hit] = await search.search(s.label, { limit: 1 });
        assert.equal(hit?.cle_interop_adr, s.address);
        const catalog = await partitionCatalog(store);
        assert.deepEqual(
          log.filter((r) => partitionedIn(r.sql, catalog.parents).size),
          [],
          'a search reads no partitioned table',
        );
        log.length = 0;
        assert.ok((await buildingsAtAddress(rec, hit)).length);
        evidence.push(...(await assertPruned(store, log, d, `address → building ${d}`)));

        log.length = 0;
        await listBuildings(rec, { commune: s.commune, limit: 10 });
        evidence.push(...(await assertPruned(store, log, d, `commune listing ${d}`)));

        // not pruned, said for the record: a point names no département, so every partition's GiST
        // is probed once (an empty probe outside the département)
        log.length = 0;
        const [lon, lat] = (card.geometry as { coordinates: number[][][][] }).coordinates[0]![0]![0]!;
        await buildingsAt(rec, { lon: lon!, lat: lat! });
        const catalog2 = await partitionCatalog(store);
        const e = await explain(store, log[0]!, 'generic', d, catalog2);
        evidence.push(
          `point → building ${d} [generic, not pruned]: ${[...e.read.values()].reduce((n, x) => n + x.size, 0)} partitions read (${e.foreign.length} of another département)`,
        );
      }
      for (const line of evidence) t.diagnostic(line);
    });

    test('a card is one statement when its département is known beforehand, else head then body', async (t) => {
      const s = sample[B]!;
      const log: Recorded[] = [];
      const rec = recording(store, log);
      // two départements: no sole one, so no guess — the head, then the body of its département
      const expected = JSON.stringify(await buildingCard(rec, s.batid));
      assert.ok(
        log.some((r) => r.sql.includes(`table_name = 'batiment_construction' LIMIT 2`)),
        'the guess is read',
      );
      assert.ok(!log.some((r) => r.sql.startsWith('WITH h AS MATERIALIZED')));
      assert.equal(log.filter((r) => r.sql.includes('FROM batid.building b WHERE b.batid')).length, 1);
      for (const [guess, statements] of [
        [B, 1], // right: one statement, head and body
        [A, 3], // wrong: it finds nothing there, then head and body
        [null, 2],
      ] as const) {
        log.length = 0;
        const card = await buildingCard(rec, s.batid, { dept: guess });
        assert.equal(JSON.stringify(card), expected, `guess ${guess}`);
        assert.equal(log.length, statements, `guess ${guess}`);
        if (guess === B)
          t.diagnostic((await assertPruned(store, log, B, 'card in one statement')).join('; '));
      }
      log.length = 0;
      assert.equal(await buildingCard(rec, 'ZZZZZZZZZZZZ', { dept: A }), null);
      assert.equal(log.length, 2, 'an unknown BatID: the guess, then the head');
    });

    test('re-importing one département replaces its partitions only', async () => {
      const otherBefore = await partitionsOf(store, B);
      const ownBefore = await partitionsOf(store, A);
      const registryBefore = await registryOf(store, B);
      const cardBefore = await buildingCard(store, sample[B]!.batid);
      assert.ok(otherBefore.size > 50, 'every table has a partition of the other département');

      const summary = await importDept(exportOf[`${A}-again`]!);
      assert.deepEqual(
        summary.batids.map((s) => s.dept),
        [A],
      );

      assert.deepEqual(await partitionsOf(store, B), otherBefore, `${B}: same OIDs, files and rows`);
      assert.equal(await registryOf(store, B), registryBefore);
      assert.deepEqual(await buildingCard(store, sample[B]!.batid), cardBefore);
      const ownAfter = await partitionsOf(store, A);
      assert.deepEqual([...ownAfter.keys()], [...ownBefore.keys()]);
      for (const [t, v] of ownAfter) assert.notEqual(v, ownBefore.get(t), `${t} was replaced`);
      // the new export is served
      const s = await sampleOf(store, A);
      const card = await buildingCard(store, s.batid);
      assert.equal(card?.code_departement_insee, A);
      const [hit] = await new AddressService(store).search(s.label, { limit: 1 });
      assert.equal(hit?.cle_interop_adr, s.address);
    });

    test(
      'a re-import never blocks the reads of another département for long',
      {
        skip:
          name === 'embedded'
            ? 'PGlite is a single session in one process: no concurrent reader can exist'
            : false,
      },
      async (t) => {
        const url = backend.connection().databaseUrl!;
        const reader = await openStore({ databaseUrl: url });
        const watcher = new pg.Client({ connectionString: url });
        await watcher.connect();
        try {
          const s = sample[B]!;
          const expected = JSON.stringify(await buildingCard(reader, s.batid));
          const importing = importDept(exportOf[A]!).then(() => undefined);
          let done = false;
          void importing.finally(() => (done = true)).catch(() => undefined);

          /** AccessExclusiveLock held on a partitioned parent: (pid, table) → [first seen, last seen]. */
          const exclusive = new Map<string, [number, number]>();
          const duringCopy: number[] = [];
          const reads: number[] = [];
          let copySeen = 0;
          let parentLocksInCopy: string[] = [];
          const sampling = (async () => {
            while (!done) {
              const now = performance.now();
              const locks = await watcher.query<{ pid: number; t: string; mode: string; granted: boolean }>(
                `SELECT l.pid, c.relname AS t, l.mode, l.granted FROM pg_locks l
                   JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND n.nspname = 'bdnb' AND c.relkind = 'p' AND l.pid <> pg_backend_pid()`,
              );
              for (const l of locks.rows) {
                if (l.mode !== 'AccessExclusiveLock' || !l.granted) continue;
                const k = `${l.pid} ${l.t}`;
                const span = exclusive.get(k);
                if (span) span[1] = now;
                else exclusive.set(k, [now, now]);
              }
              const copies = await watcher.query<{ pid: number }>(
                `SELECT pid FROM pg_stat_activity
                  WHERE datname = current_database() AND state = 'active' AND query ~ '^COPY bdnb\\.\\S+__load'`,
              );
              if (copies.rows.length) {
                copySeen++;
                const pids = new Set(copies.rows.map((r) => r.pid));
                parentLocksInCopy.push(
                  ...locks.rows
                    .filter((l) => pids.has(l.pid) && l.mode !== 'AccessShareLock')
                    .map((l) => `${l.t} ${l.mode}`),
                );
                const t0 = performance.now();
                assert.equal(JSON.stringify(await buildingCard(reader, s.batid)), expected);
                duringCopy.push(performance.now() - t0);
              }
              await new Promise((r) => setTimeout(r, 5));
            }
          })();
          const reading = (async () => {
            while (!done) {
              const t0 = performance.now();
              assert.equal(JSON.stringify(await buildingCard(reader, s.batid)), expected);
              reads.push(performance.now() - t0);
              await new Promise((r) => setTimeout(r, 10));
            }
          })();
          await importing;
          await Promise.all([sampling, reading]);
          parentLocksInCopy = [...new Set(parentLocksInCopy)];

          const held = [...exclusive].map(([k, [a, b]]) => ({ k, ms: b - a }));
          const longest = Math.max(0, ...held.map((h) => h.ms));
          const maxCopyRead = Math.max(0, ...duringCopy);
          t.diagnostic(
            `${reads.length} card reads of ${B} during the import of ${A}: max ${Math.max(...reads).toFixed(0)} ms; ` +
              `${duringCopy.length} during a COPY: max ${maxCopyRead.toFixed(0)} ms; ` +
              `${exclusive.size} exclusive locks seen on parents, longest seen held ${longest.toFixed(0)} ms`,
          );
          assert.ok(copySeen > 0 && duringCopy.length > 0, 'some card reads ran while a COPY was loading');
          assert.deepEqual(parentLocksInCopy, [], 'a loading session holds no lock on the parents');
          assert.ok(maxCopyRead < 1000, `a card read during a COPY took ${maxCopyRead.toFixed(0)} ms`);
          assert.ok(longest < 1000, `an exclusive lock on a parent was held ${longest.toFixed(0)} ms`);
          assert.ok(Math.max(...reads) < 3000, 'no card read waited for the import');
        } finally {
          await watcher.end();
          await reader.close();
        }
      },
    );

    test(
      'a swap waiting behind a long read does not queue the other département’s readers behind it',
      {
        skip:
          name === 'embedded'
            ? 'PGlite is a single session in one process: no concurrent reader can exist'
            : false,
      },
      async (t) => {
        const url = backend.connection().databaseUrl!;
        const reader = await openStore({ databaseUrl: url });
        const long = new pg.Client({ connectionString: url });
        const watcher = new pg.Client({ connectionString: url });
        await long.connect();
        await watcher.connect();
        try {
          const s = sample[B]!;
          const expected = JSON.stringify(await buildingCard(reader, s.batid));
          // a long read of the other département (an export, an indicator…) holds ACCESS SHARE on the
          // footprints' parent until it ends; the swap of A's footprints needs ACCESS EXCLUSIVE on it
          await long.query('BEGIN');
          await long.query(
            `SELECT count(*) FROM bdnb.batiment_construction WHERE code_departement_insee = $1`,
            [B],
          );
          let done = false;
          const importing = importDept(exportOf[`${A}-again`]!).finally(() => (done = true));
          importing.catch(() => undefined);
          const waitingSince = async () => {
            for (;;) {
              if (done) throw new Error('the import ended without waiting for the long read');
              const r = await watcher.query(
                `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                    AND query ~ '^ALTER TABLE bdnb\\."batiment_construction" DETACH PARTITION'`,
              );
              if (r.rows.length) return performance.now();
              await new Promise((r) => setTimeout(r, 5));
            }
          };
          const since = await waitingSince();
          // while the swap wants its lock, the other département's cards keep answering
          const reads: number[] = [];
          let stuck: Promise<unknown> | null = null;
          while (performance.now() - since < 3000) {
            const t0 = performance.now();
            const read = buildingCard(reader, s.batid).then((c) => assert.equal(JSON.stringify(c), expected));
            const timeout = new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 2000).unref());
            if ((await Promise.race([read, timeout])) === 'stuck') {
              // queued behind the swap, itself behind the long read: end the long read to finish
              stuck = read;
              reads.push(performance.now() - t0);
              break;
            }
            reads.push(performance.now() - t0);
            await new Promise((r) => setTimeout(r, 20));
          }
          await long.query('COMMIT');
          await stuck;
          await importing;
          const max = Math.max(...reads);
          t.diagnostic(
            `${reads.length} card reads of ${B} in the 3 s the swap of ${A} waited behind a long read: max ${max.toFixed(0)} ms`,
          );
          assert.ok(max < 1000, `a card read queued behind the swap for ${max.toFixed(0)} ms`);
          assert.ok(reads.length > 20);
          // and the swap went through once the long read ended
          const s2 = await sampleOf(store, A);
          assert.equal((await buildingCard(store, s2.batid))?.code_departement_insee, A);
        } finally {
          await long.query('ROLLBACK').catch(() => undefined);
          await long.end();
          await watcher.end();
          await reader.close();
        }
      },
    );
  });
}
