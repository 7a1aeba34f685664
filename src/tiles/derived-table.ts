/**
 * A table of schema `tiles` derived from the imported data (tiles.building, tiles.commune),
 * rebuilt in one transaction when the data version it was built from changed. An advisory lock
 * serialises the processes of one server (`serve --workers`): the first rebuilds, the others
 * find it done.
 */
import { replicasCaughtUp } from '../store/routed-store.js';
import type { Queryable, Store } from '../store/store.js';

const LOCK_ID = 7_210_342_008;

/** The data version the table was built from (undefined: never built). */
export async function builtVersion(db: Queryable, name: string): Promise<string | undefined> {
  const [r] = await db.query<{ version: string }>(`SELECT version FROM tiles.built WHERE name = $1`, [name]);
  return r?.version;
}

export async function ensureDerived(
  store: Store,
  name: string,
  version: string,
  build: (tx: Queryable) => Promise<void>,
): Promise<void> {
  if ((await builtVersion(store, name)) === version) return;
  await store.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [LOCK_ID]);
    if ((await builtVersion(tx, name)) === version) return;
    await build(tx);
    await tx.query(
      `INSERT INTO tiles.built (name, version) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET version = excluded.version`,
      [name, version],
    );
  });
  await store.exec(`ANALYZE tiles.${name}`);
  // with read replicas, tiles are read there: not before they have the table (else empty tiles
  // would be cached under the new version)
  await replicasCaughtUp(store);
}
