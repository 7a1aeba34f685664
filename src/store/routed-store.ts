/**
 * Read replicas (`batid serve --read-url`): a Store that sends plain reads to PostgreSQL streaming
 * replicas and everything else to the primary.
 *
 * - `exec`, `copyFrom`, `transaction` → the primary (a transaction may write, and its reads must
 *   see its writes).
 * - `query`, `prepared`, `copyOut` → a replica, round-robin among the healthy ones, when the
 *   statement is a plain read (`isPlainRead`) and the caller is not pinned to the primary
 *   (`onPrimary`, used for the requests that write or read what the API writes); else the primary.
 * - A read a replica refuses as a write (25006), cancels for a conflict with recovery (40001,
 *   40P01) or does not know the table or column of (42P01/42703: migrations not replayed yet)
 *   runs again, once, on the primary.
 * - A replica that cannot be reached (refused, reset, shut down, starting up…) or that refuses
 *   the database or the login gets the read retried on the primary and is left out; a probe
 *   tries it again every `retryMs` (5 s) in the background, so no request waits on a dead
 *   replica but the one that finds it dead. One log line per change of state.
 *
 * Replicas lag: a read there may not yet see a write just committed on the primary.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Queryable, Row, Store } from './store.js';

type Params = readonly (string | number | boolean | null)[];

/** What to tell the caller about the replicas (`GET /v1/health`). */
export interface ReadReplicasHealth {
  healthy: number;
  down: number;
}

export interface ReplicaStats {
  location: string;
  healthy: boolean;
  /** Reads answered by this replica. */
  reads: number;
  /** Reads this replica failed that the primary then answered. */
  failovers: number;
}

export interface RoutedStats {
  /** Reads answered by the primary (not plain reads, pinned, no healthy replica, or failed over). */
  primaryReads: number;
  replicas: ReplicaStats[];
}

export interface RoutedStoreOptions {
  /** How long a replica that could not be reached is left out before it is tried again (5 s). */
  retryMs?: number;
  /** One line per change of a replica's state (default: stderr). */
  log?: (line: string) => void;
}

const pinned = new AsyncLocalStorage<true>();

/** Runs `fn` with every statement it makes (through any routed store) on the primary. */
export function onPrimary<T>(fn: () => T): T {
  return pinned.run(true, fn);
}

// ---------------------------------------------------------------------------------------------
// Which statements a replica may run

/** Comments, string literals, dollar-quoted strings and quoted identifiers, as blanks. */
function blankLiterals(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[^]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"|(\$[A-Za-z_]*\$)[^]*?\1/g, ' ');
}

/** Functions that write, take locks or assign ids: not for a replica (or not meaningful there). */
const WRITING =
  /\b(insert|update|delete|merge|into|nextval|setval|set_config|pg_advisory\w*|pg_try_advisory\w*|pg_notify|txid_current|pg_current_xact_id|pg_current_wal\w*|lo_\w+|dblink\w*|pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_stat_reset\w*)\b/;
const LOCKING = /\bfor\s+(no\s+key\s+)?update\b|\bfor\s+(key\s+)?share\b/;

/**
 * True when `sql` is one statement that only reads: it starts (after comments and parentheses)
 * with SELECT, WITH, VALUES or TABLE and has no data-modifying CTE, row lock, `SELECT … INTO`
 * or call of a function that writes, locks or assigns an id. Anything else goes to the primary;
 * a statement wrongly taken for a read fails on the replica with 25006 and runs on the primary.
 */
export function isPlainRead(sql: string): boolean {
  const s = blankLiterals(sql).toLowerCase();
  if (!/^[\s(]*(select|with|values|table)\b/.test(s)) return false;
  if (/;\s*\S/.test(s)) return false; // several statements
  return !WRITING.test(s) && !LOCKING.test(s);
}

// ---------------------------------------------------------------------------------------------
// Which errors mean "this replica is not there"

const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
]);
const DOWN_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused|the database system is (starting up|shutting down|in recovery)/i;

/** The server of this connection is gone, unreachable or not accepting sessions. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (DOWN_CODES.has(code) || code.startsWith('08'))) return true;
  if (err instanceof AggregateError && err.errors.some(isConnectionError)) return true;
  return DOWN_MESSAGE.test(err.message);
}

/** The replica answers but cannot serve this database: wrong name, or refused login. */
const UNUSABLE_CODES = new Set(['3D000', '28000', '28P01']);

/** The replica cannot serve reads now: unreachable, or its database or login refused. */
function isUnusable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return isConnectionError(err) || (typeof code === 'string' && UNUSABLE_CODES.has(code));
}

/** Errors of a read that the primary may answer: the replica refused it or is behind. */
const RETRY_ON_PRIMARY = new Set([
  '25006', // read_only_sql_transaction: a write taken for a read
  '40001', // canceled on conflict with recovery
  '40P01', // canceled on conflict with recovery (buffer pin deadlock)
  '42P01', // undefined_table: a migration not replayed yet
  '42703', // undefined_column
]);

function retryOnPrimary(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRY_ON_PRIMARY.has(code);
}

// ---------------------------------------------------------------------------------------------

interface Replica extends ReplicaStats {
  store: Store;
  probe: NodeJS.Timeout | null;
}

export class RoutedStore implements Store {
  readonly kind = 'postgres' as const;
  readonly location: string;
  private readonly replicas: Replica[];
  private readonly retryMs: number;
  private readonly log: (line: string) => void;
  private next = 0;
  private primaryReads = 0;
  private closed = false;

  constructor(
    readonly primary: Store,
    replicas: readonly Store[],
    opts: RoutedStoreOptions = {},
  ) {
    if (primary.kind !== 'postgres' || replicas.some((r) => r.kind !== 'postgres'))
      throw new Error('read replicas need a PostgreSQL server: the embedded database has none');
    this.replicas = replicas.map((store) => ({
      store,
      location: store.location,
      healthy: true,
      reads: 0,
      failovers: 0,
      probe: null,
    }));
    this.retryMs = opts.retryMs ?? 5000;
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.location = `${primary.location} (reads: ${this.replicas.map((r) => r.location).join(', ')})`;
  }

  /** Checks every replica once (unreachable: left out and probed); notes one that is not a standby. */
  async checkReplicas(): Promise<void> {
    await Promise.all(
      this.replicas.map(async (r) => {
        try {
          const [row] = await r.store.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
          if (!row?.standby)
            this.log(
              `read replica ${r.location} is not a standby (pg_is_in_recovery() is false): reading from it anyway`,
            );
        } catch (err) {
          this.markDown(r, err);
        }
      }),
    );
  }

  health(): ReadReplicasHealth {
    const healthy = this.replicas.filter((r) => r.healthy).length;
    return { healthy, down: this.replicas.length - healthy };
  }

  stats(): RoutedStats {
    return {
      primaryReads: this.primaryReads,
      replicas: this.replicas.map(({ location, healthy, reads, failovers }) => ({
        location,
        healthy,
        reads,
        failovers,
      })),
    };
  }

  private pick(): Replica | undefined {
    const n = this.replicas.length;
    for (let i = 0; i < n; i++) {
      const r = this.replicas[(this.next + i) % n]!;
      if (r.healthy) {
        this.next = (this.next + i + 1) % n;
        return r;
      }
    }
    return undefined;
  }

  private markDown(r: Replica, err: unknown): void {
    if (r.healthy) {
      r.healthy = false;
      this.log(
        `read replica ${r.location} unreachable (${(err as Error).message}): reads go to the primary, trying it again every ${this.retryMs / 1000} s`,
      );
    }
    this.scheduleProbe(r);
  }

  private scheduleProbe(r: Replica): void {
    if (this.closed || r.probe) return;
    r.probe = setTimeout(() => {
      r.probe = null;
      r.store.query('SELECT 1').then(
        () => {
          if (this.closed || r.healthy) return;
          r.healthy = true;
          this.log(`read replica ${r.location} is back: reads go to it again`);
        },
        (err: unknown) => {
          if (isUnusable(err)) this.scheduleProbe(r);
          else {
            // it answers, with an error of its own: take it back, reads it fails go to the primary
            r.healthy = true;
            this.log(`read replica ${r.location} is back: reads go to it again`);
          }
        },
      );
    }, this.retryMs);
    r.probe.unref();
  }

  private async read<T>(sql: string, run: (s: Store) => Promise<T>): Promise<T> {
    const r = pinned.getStore() || !isPlainRead(sql) ? undefined : this.pick();
    if (!r) {
      this.primaryReads++;
      return run(this.primary);
    }
    try {
      const out = await run(r.store);
      r.reads++;
      return out;
    } catch (err) {
      if (isUnusable(err)) this.markDown(r, err);
      else if (!retryOnPrimary(err)) throw err;
      r.failovers++;
      this.primaryReads++;
      return run(this.primary);
    }
  }

  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.read(sql, (s) => s.query<T>(sql, params));
  }

  prepared<T = Row>(name: string, sql: string, params: Params): Promise<T[]> {
    return this.read(sql, (s) => s.prepared<T>(name, sql, params));
  }

  copyOut<T extends (string | null)[] = (string | null)[]>(sql: string, params?: Params): Promise<T[]> {
    return this.read(sql, (s) => s.copyOut<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.primary.exec(sql);
  }

  copyFrom(
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<string> | Iterable<string>,
  ): Promise<void> {
    return this.primary.copyFrom(table, columns, chunks);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.primary.transaction(fn);
  }

  /**
   * Waits until every healthy replica has replayed what the primary has written so far (its WAL
   * insert position now, which counts a commit not yet flushed under synchronous_commit = off),
   * for at most `timeoutMs`; false when one is still behind then.
   */
  async caughtUp(timeoutMs = 30_000): Promise<boolean> {
    const [p] = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    const deadline = Date.now() + timeoutMs;
    for (const r of this.replicas) {
      for (;;) {
        if (!r.healthy) break;
        try {
          const [row] = await r.store.query<{ done: boolean | null }>(
            'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done',
            [p!.lsn],
          );
          // null: not a standby (nothing to wait for)
          if (row?.done !== false) break;
        } catch (err) {
          if (isUnusable(err)) this.markDown(r, err);
          break;
        }
        if (Date.now() > deadline) return false;
        await new Promise((ok) => setTimeout(ok, 50));
      }
    }
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.replicas) if (r.probe) clearTimeout(r.probe);
    await Promise.all([this.primary.close(), ...this.replicas.map((r) => r.store.close())]);
  }
}

/** The primary of a routed store, or the store itself. */
export function primaryOf(store: Store): Store {
  return store instanceof RoutedStore ? store.primary : store;
}

/** Healthy and down replicas of a routed store; undefined without replicas. */
export function readReplicasOf(store: Store): ReadReplicasHealth | undefined {
  return store instanceof RoutedStore ? store.health() : undefined;
}

/**
 * After a write that later reads of the same process must see (a derived table built on first
 * use): waits until the replicas have replayed it. Immediate without replicas.
 */
export async function replicasCaughtUp(store: Store, timeoutMs?: number): Promise<boolean> {
  return store instanceof RoutedStore ? store.caughtUp(timeoutMs) : true;
}
