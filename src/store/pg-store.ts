import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFromStdin, to as copyToStdout } from 'pg-copy-streams';
import { bindLiterals, parseCopyText } from './copy-text.js';
import type { Queryable, Row, Store } from './store.js';

const { Pool, types } = pg;
// Same values as the embedded backend: int8 as a number when it fits, numeric as number, date as text.
types.setTypeParser(20, (v) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});
types.setTypeParser(1700, (v) => Number(v));
types.setTypeParser(1082, (v) => v);

function adapt(c: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T = Row>(sql: string, params?: readonly unknown[]) {
      const res = await c.query(sql, params ? [...params] : undefined);
      return res.rows as T[];
    },
    async exec(sql: string) {
      await c.query(sql);
    },
  };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * The pool of the API's repeated lookups (Store.prepared): statements parsed once per session,
 * never parallel, no JIT. The lookups that read a département's partitions are bound to it
 * (src/store/dept-statement.ts `inDept`: the code a literal), so their plans — PostgreSQL's
 * default choice, generic after five calls — are pruned to its partitions when they are made.
 * With the code a parameter, a generic plan pruned only at executor start, after locking every
 * partition of the card's ~40 tables (200 ms a card with two départements loaded); a custom plan
 * (b7fc060) pruned while planning, but planned at each call, halving the load bench's
 * throughput. PostgreSQL also planned a card as a parallel Gather Merge, 12 ms to start workers
 * for 14 rows. JIT is off: a card's estimated cost passes jit_above_cost once a département is
 * big (Loire, 915k footprints), and PostgreSQL compiled its 188 expressions at every call —
 * 135 ms of a 140 ms card whose lookups read 7 buffers (scale bench, auto_explain). Imports and
 * other statements keep the default settings on the main pool.
 */
function lookupPool(url: string, max: number, extra: pg.PoolConfig): pg.Pool {
  const p = new Pool({
    ...extra,
    connectionString: url,
    max,
    options: '-c max_parallel_workers_per_gather=0 -c jit=off',
  });
  p.on('error', () => undefined);
  return p;
}

export interface PgStoreOptions {
  /** Connections per pool (the main one and the lookup one), 8 by default. */
  poolSize?: number;
  /** Fail at open when the server cannot be reached (default true; false for read replicas, checked later). */
  check?: boolean;
  /** Give up connecting after this many ms (default: no limit; read replicas set one). */
  connectTimeoutMs?: number;
  /** `application_name` of the sessions (shown in pg_stat_activity). */
  applicationName?: string;
}

/** PostgreSQL ≥ 15 with PostGIS ≥ 3.3, through a small pool. */
export async function openPgStore(url: string, opts: PgStoreOptions = {}): Promise<Store> {
  const poolSize = opts.poolSize ?? 8;
  const extra: pg.PoolConfig = {
    ...(opts.connectTimeoutMs !== undefined && { connectionTimeoutMillis: opts.connectTimeoutMs }),
    ...(opts.applicationName !== undefined && { application_name: opts.applicationName }),
  };
  const pool = new Pool({ ...extra, connectionString: url, max: poolSize });
  pool.on('error', () => undefined); // an idle client dropped by the server: the pool replaces it
  if (opts.check !== false)
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end();
      throw new Error(`cannot reach PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  let reads: pg.Pool | null = null;
  return {
    kind: 'postgres',
    location: redactUrl(url),
    ...adapt(pool),
    async copyFrom(table, columns, chunks) {
      const client = await pool.connect();
      try {
        const cols = columns.map((c) => `"${c}"`).join(', ');
        const sink = client.query(copyFromStdin(`COPY ${table} (${cols}) FROM STDIN`));
        await pipeline(Readable.from(chunks), sink);
      } finally {
        client.release();
      }
    },
    async copyOut<T extends (string | null)[]>(
      sql: string,
      params: readonly (string | number | boolean | null)[] = [],
    ) {
      const client = await pool.connect();
      try {
        const parts: Buffer[] = [];
        const source = client.query(copyToStdout(`COPY (${bindLiterals(sql, params)}) TO STDOUT`));
        for await (const chunk of source) parts.push(chunk as Buffer);
        return parseCopyText(Buffer.concat(parts).toString('utf8')) as T[];
      } finally {
        client.release();
      }
    },
    async prepared<T = Row>(
      name: string,
      text: string,
      params: readonly (string | number | boolean | null)[],
    ) {
      // node-postgres prepares a named statement once per connection of the lookup pool
      reads ??= lookupPool(url, poolSize, extra);
      const res = await reads.query({ name, text, values: [...params] });
      return res.rows as T[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(adapt(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await reads?.end();
      await pool.end();
    },
  };
}
