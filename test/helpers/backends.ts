import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';

export interface Backend {
  name: 'embedded' | 'postgres';
  /** A fresh, migrated, empty database. */
  open(): Promise<Store>;
  /** Frees what open() made (temp dir or database). */
  dispose(): Promise<void>;
  /** How another process reaches the database open() made (for child-process tests). */
  connection(): { dbDir?: string; databaseUrl?: string };
}

/** The server the tests may use: TEST_DATABASE_URL, else DATABASE_URL (a maintenance database such as postgres). */
export function serverUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

/** One statement on its own connection (CREATE/DROP DATABASE, a cluster's admin): its rows. */
export async function sqlOn<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

async function migrationsHash(): Promise<string> {
  const h = createHash('sha1');
  for (const f of (await readdir(MIGRATIONS_DIR)).sort())
    h.update(f).update(await readFile(join(MIGRATIONS_DIR, f)));
  return h.digest('hex').slice(0, 12);
}

/** A migrated PGlite data dir made once and copied per test file (creating one costs ~9 s, a copy < 1 s). */
async function embeddedTemplate(): Promise<string> {
  const dir = join(tmpdir(), `batid-pglite-template-${await migrationsHash()}`);
  try {
    await stat(join(dir, 'PG_VERSION'));
    return dir;
  } catch {
    const tmp = `${dir}.${process.pid}`;
    const store = await openStore({ dbDir: tmp });
    await store.close();
    await rm(dir, { recursive: true, force: true });
    await cp(tmp, dir, { recursive: true });
    await rm(tmp, { recursive: true, force: true });
    return dir;
  }
}

export function embeddedBackend(): Backend {
  let dir: string | null = null;
  let store: Store | null = null;
  return {
    name: 'embedded',
    async open() {
      const template = await embeddedTemplate();
      dir = await mkdtemp(join(tmpdir(), 'batid-test-'));
      await cp(template, dir, { recursive: true });
      store = await openStore({ dbDir: dir });
      return store;
    },
    async dispose() {
      await store?.close().catch(() => undefined);
      // the database and its jobs' files (src/jobs/job-files.ts)
      if (dir) for (const d of [dir, `${dir}.jobs`]) await rm(d, { recursive: true, force: true });
    },
    connection: () => ({ dbDir: dir ?? undefined }),
  };
}

export function postgresBackend(adminUrl: string): Backend {
  const name = `batid_test_${randomBytes(5).toString('hex')}`;
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  let store: Store | null = null;
  const admin = (sql: string) => sqlOn(adminUrl, sql);
  return {
    name: 'postgres',
    async open() {
      await admin(`CREATE DATABASE ${name}`);
      store = await openStore({ databaseUrl: url });
      return store;
    },
    async dispose() {
      await store?.close().catch(() => undefined);
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    },
    connection: () => ({ databaseUrl: url }),
  };
}

let announced = false;
/** Every backend this run can reach: embedded always, PostgreSQL when a server URL is set. */
export function backends(): (() => Backend)[] {
  const url = serverUrl();
  if (!url && !announced) {
    announced = true;
    process.stderr.write(
      'NOTE: PostgreSQL leg SKIPPED (set TEST_DATABASE_URL=postgres://… to a PostGIS server; .ci/run does)\n',
    );
  }
  return url ? [embeddedBackend, () => postgresBackend(url)] : [embeddedBackend];
}
