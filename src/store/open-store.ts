import { resolve } from 'node:path';
import { migrate } from './migrate.js';
import { openPgliteStore } from './pglite-store.js';
import { openPgStore } from './pg-store.js';
import type { Store } from './store.js';

export const DEFAULT_DB_DIR = './.batid/db';

export interface StoreOptions {
  /** postgres://… selects the server backend; otherwise embedded. */
  databaseUrl?: string | undefined;
  /** Embedded data directory (default `./.batid/db`). */
  dbDir?: string | undefined;
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

/** Opens the selected backend and brings its schema up to date. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const store = opts.databaseUrl
    ? await openPgStore(opts.databaseUrl)
    : await openPgliteStore(resolve(opts.dbDir ?? DEFAULT_DB_DIR));
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
