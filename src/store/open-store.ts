import { resolve } from 'node:path';
import { migrate } from './migrate.js';
import { openPgliteStore } from './pglite-store.js';
import { openPgStore } from './pg-store.js';
import { RoutedStore } from './routed-store.js';
import type { Store } from './store.js';

export const DEFAULT_DB_DIR = './.batid/db';

export interface StoreOptions {
  /** postgres://… selects the server backend; otherwise embedded. */
  databaseUrl?: string | undefined;
  /** Embedded data directory (default `./.batid/db`). */
  dbDir?: string | undefined;
  /** Read replicas of the server (`serve --read-url`): plain reads go there (routed-store.ts). */
  readUrls?: readonly string[] | undefined;
}

/**
 * `--read-url` values and `BATID_READ_URL`: each may hold several URLs separated by commas;
 * the flags win over the variable. Throws on a value that is not a postgres:// URL.
 */
export function parseReadUrls(
  flags: readonly string[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const raw = flags?.length ? flags : env.BATID_READ_URL ? [env.BATID_READ_URL] : [];
  const urls = raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const u of urls)
    if (!/^postgres(ql)?:\/\//.test(u))
      throw new Error(`--read-url / BATID_READ_URL must be postgres:// URLs (got "${u.slice(0, 30)}")`);
  return [...new Set(urls)];
}

/** Read replicas need a PostgreSQL server as primary: throws when `readUrls` come without one. */
export function checkReadUrls(opts: StoreOptions): void {
  if (opts.readUrls?.length && !opts.databaseUrl)
    throw new Error(
      '--read-url (or BATID_READ_URL) needs a PostgreSQL server as primary (DATABASE_URL or --database-url): the embedded database has no read replicas',
    );
}

/** Resolves options from flags first, then `DATABASE_URL` / `BATID_DB`, then the default. */
export function storeOptionsFromEnv(
  flags: StoreOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): StoreOptions {
  const databaseUrl = flags.databaseUrl ?? (env.DATABASE_URL || undefined);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(`DATABASE_URL must start with postgres:// (got "${databaseUrl.slice(0, 30)}")`);
  }
  return { databaseUrl, dbDir: flags.dbDir ?? (env.BATID_DB || DEFAULT_DB_DIR) };
}

/**
 * Opens the selected backend and brings its schema up to date. With `readUrls`, the schema is
 * migrated on the primary only (replicas replay it) and the store routes reads to the replicas;
 * a replica that cannot be reached is left out (and tried again) rather than failing the open.
 */
export async function openStore(opts: StoreOptions): Promise<Store> {
  checkReadUrls(opts);
  const store = opts.databaseUrl
    ? await openPgStore(opts.databaseUrl)
    : await openPgliteStore(resolve(opts.dbDir ?? DEFAULT_DB_DIR));
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  if (!opts.readUrls?.length) return store;
  const replicas = await Promise.all(
    opts.readUrls.map((url) =>
      openPgStore(url, { check: false, connectTimeoutMs: 3000, applicationName: 'batid-read' }),
    ),
  );
  const routed = new RoutedStore(store, replicas);
  await routed.checkReplicas();
  return routed;
}
