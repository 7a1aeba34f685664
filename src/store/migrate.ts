import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Store } from './store.js';

/** The package's `migrations/` folder, the same from `src/` (tsx) and from `dist/`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
const LOCK_ID = 7_210_342_001; // any constant: serialises concurrent `open` on one server

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (f) => ({
      version: Number(f.slice(0, 4)),
      name: f.slice(5, -4),
      sql: await readFile(`${dir}/${f}`, 'utf8'),
    })),
  );
}

/** Applies, in order and each in its own transaction, the migrations not yet recorded. */
export async function migrate(store: Store, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  await store.exec(`CREATE EXTENSION IF NOT EXISTS postgis;
    CREATE SCHEMA IF NOT EXISTS batid;
    CREATE TABLE IF NOT EXISTS batid.schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`);
  if (store.kind === 'postgres') await store.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
  try {
    const done = new Set(
      (await store.query<{ version: number }>('SELECT version FROM batid.schema_migrations')).map(
        (r) => r.version,
      ),
    );
    const applied: number[] = [];
    for (const m of all) {
      if (done.has(m.version)) continue;
      await store.transaction(async (tx) => {
        await tx.exec(m.sql);
        await tx.query('INSERT INTO batid.schema_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
      });
      applied.push(m.version);
    }
    return applied;
  } finally {
    if (store.kind === 'postgres') await store.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]);
  }
}
