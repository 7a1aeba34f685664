import { mkdir } from 'node:fs/promises';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import type { Queryable, Row, Store } from './store.js';

const PARSERS = {
  [types.INT8]: (v: string) => toNumber(v),
  [types.NUMERIC]: (v: string) => Number(v),
  [types.DATE]: (v: string) => v,
};

function toNumber(v: string): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

function adapt(q: PGlite | Transaction): Queryable {
  return {
    async query<T = Row>(sql: string, params?: readonly unknown[]) {
      const res = await q.query(sql, params ? [...params] : undefined);
      return res.rows as T[];
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  };
}

/** Embedded PostGIS: PGlite 0.5.8 + pglite-postgis 0.2.8, in-process, data in `dir`. */
export async function openPgliteStore(dir: string): Promise<Store> {
  await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir, { extensions: { postgis }, parsers: PARSERS });
  const base = adapt(db);
  // PGlite runs one statement at a time; serialise transactions so that they never interleave.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    kind: 'embedded',
    location: dir,
    ...base,
    async copyFrom(table, columns, chunks) {
      const cols = columns.map((c) => `"${c}"`).join(', ');
      const sql = `COPY ${table} (${cols}) FROM '/dev/blob'`;
      for await (const chunk of chunks) {
        if (chunk.length === 0) continue;
        await db.query(sql, [], { blob: new Blob([chunk]) });
      }
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const run = queue.then(() => db.transaction((tx) => fn(adapt(tx))));
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await db.close();
    },
  };
}
