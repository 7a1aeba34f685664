import { mkdir } from 'node:fs/promises';
import { pause } from '../util/pause.js';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import type { Queryable, Row, Store } from './store.js';
import { bindLiterals, parseCopyText, sqlLiteral } from './copy-text.js';

const PARSERS = {
  [types.INT8]: (v: string) => toNumber(v),
  [types.NUMERIC]: (v: string) => Number(v),
  [types.DATE]: (v: string) => v,
};

function toNumber(v: string): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/**
 * PGlite runs in this thread and its queued statements resolve one another as microtasks: under
 * load the event loop would not reach its I/O phase for seconds (the load bench measured 1–2 s
 * turns at 256 connections, and new connections waited 10 s and more to be read). A statement
 * that starts more than BREATHE_MS after the last pause first lets the loop poll its sockets.
 */
const BREATHE_MS = 10;
let lastPause = performance.now();
async function breathe(): Promise<void> {
  if (performance.now() - lastPause < BREATHE_MS) return;
  await pause();
  lastPause = performance.now();
}

function adapt(q: PGlite | Transaction, before: () => Promise<void> = async () => undefined): Queryable {
  return {
    async query<T = Row>(sql: string, params?: readonly unknown[]) {
      await breathe();
      await before();
      const res = await q.query(sql, params ? [...params] : undefined);
      return res.rows as T[];
    },
    async exec(sql: string) {
      await breathe();
      await before();
      await q.exec(sql);
    },
  };
}

/** The element types whose arrays the embedded store parses (others come back as PostgreSQL's array text). */
const ARRAY_ELEMENTS = [
  'text',
  'varchar',
  'bpchar',
  'int2',
  'int4',
  'int8',
  'float4',
  'float8',
  'numeric',
  'bool',
];

/**
 * PGlite copies its parser table at every query (`{...this.parsers}` in parseResults), and at open
 * it puts there a parser for every array type of the database — the row type of every table and
 * partition included: ~490 entries on an imported département, 174 µs a copy (measured), more
 * than half of a one-row lookup. Only the arrays of ARRAY_ELEMENTS stay (no query of ours returns
 * others: json/jsonb arrays are built as json).
 *
 * Even the ~33 entries left cost ~27 µs and ~30 KB of garbage a copy: their keys are type OIDs
 * up to 3802 (jsonb), so the copy is a holey array of 3,803 slots. A value whose type is not in
 * the instance's table is parsed by PGlite's default table (`types.parsers`, parseType's
 * fallback), which is not copied. So the entries left move there, and the instance's table is
 * emptied: a query no longer copies anything. Measured on the scale-1 bench database, 10,000
 * calls of a prepared one-row lookup: 297 → 265 µs a call, 63 → 30 young-generation collections
 * (a sampling allocation profile of the single-address eligibility server put 45 % of its
 * allocations in that copy). PGlite's array parsers read their element's parser from the
 * instance's table, so the kept arrays get parsers that read it from the defaults. The defaults
 * are the process's, and PGlite starts each new instance's table from them: any PGlite opened in
 * this process afterwards parses int8, numeric and date as BatID does (every one of ours opens
 * here anyway). Do not call `refreshArrayTypes()` on an instance: PGlite would put back array
 * parsers that read their elements from the emptied table (elements as text).
 */
export async function slimParsers(db: PGlite): Promise<void> {
  const rows = (
    await db.query<{ oid: number; elem_oid: number; elem: string }>(
      `SELECT a.oid, e.oid AS elem_oid, e.typname AS elem FROM pg_catalog.pg_type a JOIN pg_catalog.pg_type e ON e.oid = a.typelem
        WHERE a.typcategory = 'A'`,
    )
  ).rows;
  const arrays = new Map(rows.map((r) => [String(r.oid), r]));
  /** Not an array type, or an array of ARRAY_ELEMENTS. */
  const kept = (k: string) => {
    const array = arrays.get(k);
    return !array || ARRAY_ELEMENTS.includes(array.elem);
  };
  const defaults = types.parsers as Record<string, types.Parser>;
  for (const [k, parse] of Object.entries(db.parsers)) {
    if (!kept(k)) continue;
    const array = arrays.get(k);
    // PGlite's array parsers read their element's parser from the instance's table, emptied below
    defaults[k] = array
      ? (v: string) => types.arrayParser(v, defaults[array.elem_oid] ?? ((x: string) => x), array.oid)
      : parse;
  }
  db.parsers = {};
  db.serializers = Object.fromEntries(Object.entries(db.serializers).filter(([k]) => kept(k)));
}

/** Embedded PostGIS: PGlite 0.5.8 + pglite-postgis 0.2.8, in-process, data in `dir`. */
export async function openPgliteStore(dir: string): Promise<Store> {
  await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir, { extensions: { postgis }, parsers: PARSERS });
  await slimParsers(db);
  // PGlite runs one statement at a time; serialise transactions so that they never interleave.
  let queue: Promise<unknown> = Promise.resolve();
  // PREPARE/EXECUTE: a generic plan is planned once (PGlite plans in WebAssembly: a card's
  // single-row lookups cost ~1 ms to plan and ~0.1 ms to run)
  const statements = new Map<string, { sql: string; ready: Promise<unknown> }>();
  // Left to itself PostgreSQL re-plans those lookups at every call (partition pruning makes the
  // custom plan look cheaper): they run with plan_cache_mode = force_generic_plan, and every
  // other statement with the default (set back before it runs; the order only affects speed).
  let generic = false;
  const plain = async () => {
    if (!generic) return;
    generic = false;
    await db.exec('RESET plan_cache_mode');
  };
  const base = adapt(db, plain);
  return {
    kind: 'embedded',
    location: dir,
    ...base,
    async copyFrom(table, columns, chunks) {
      const cols = columns.map((c) => `"${c}"`).join(', ');
      const sql = `COPY ${table} (${cols}) FROM '/dev/blob'`;
      await plain();
      for await (const chunk of chunks) {
        if (chunk.length === 0) continue;
        await db.query(sql, [], { blob: new Blob([chunk]) });
      }
    },
    async copyOut<T extends (string | null)[]>(
      sql: string,
      params: readonly (string | number | boolean | null)[] = [],
    ) {
      await breathe();
      await plain();
      const r = await db.query(`COPY (${bindLiterals(sql, params)}) TO '/dev/blob'`);
      return parseCopyText(r.blob ? await r.blob.text() : '') as T[];
    },
    async prepared<T = Row>(
      name: string,
      sql: string,
      params: readonly (string | number | boolean | null)[],
    ) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad statement name "${name}"`);
      await breathe();
      let st = statements.get(name);
      if (!st) {
        st = { sql, ready: db.exec(`PREPARE ${name} AS ${sql}`) };
        statements.set(name, st);
        st.ready.catch(() => statements.delete(name));
      } else if (st.sql !== sql) throw new Error(`statement "${name}" prepared with another SQL`);
      await st.ready;
      const args = params.length ? `(${params.map(sqlLiteral).join(', ')})` : '';
      if (!generic) {
        await db.exec('SET plan_cache_mode = force_generic_plan');
        generic = true;
      }
      // exec: the simple protocol, one round trip into PGlite, where query() makes one each for
      // parse, describe, bind, describe, execute and sync (the arguments are literals: nothing
      // to bind). Same lookup, 10,000 calls: 265 → 113 µs a call
      const results = await db.exec(`EXECUTE ${name}${args}`);
      return (results[results.length - 1]?.rows ?? []) as T[];
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const run = queue.then(async () => {
        await plain();
        return db.transaction((tx) => fn(adapt(tx)));
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await db.close();
    },
  };
}
