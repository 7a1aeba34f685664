import type { Store } from '../store/store.js';

interface Entry {
  status: 'constructed' | 'demolished' | 'retired';
  dept: string;
}

/** Above this many links the index is not built: the database answers (national scale, on a server). */
const MAX_LINKS = 5_000_000;
/** How often (ms) the index checks whether an import changed the registry. */
const FRESHNESS_MS = 1000;
// (this process's own imports invalidate it at once: see invalidateIdIndex)

/**
 * An in-process index of the registry (BatID → status/département, and bdnb_bc, bdnb_bg and rnb
 * ids → BatIDs) for `resolve`: a département's few hundred thousand buildings answer from memory
 * instead of one query each. It reloads when an import has run since (checked at most once a
 * second); above MAX_LINKS it stays off and every lookup goes to the database.
 */
export class IdIndex {
  private buildings = new Map<string, Entry>();
  private links = new Map<string, string[]>();
  private version = '';
  private checkedAt = 0;
  private loading: Promise<void> | null = null;
  private enabled = true;

  constructor(private readonly store: Store) {}

  private currentVersion(): Promise<string> {
    return registryVersion(this.store);
  }

  private async refresh(): Promise<void> {
    const now = Date.now();
    if (now - this.checkedAt < FRESHNESS_MS && this.version) return;
    this.checkedAt = now;
    const v = await this.currentVersion();
    if (v === this.version) return;
    const n = await this.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM batid.id_link`);
    if (n[0]!.n > MAX_LINKS) {
      this.enabled = false;
      return;
    }
    const buildings = new Map<string, Entry>();
    for (const r of await this.store.query<{ batid: string; status: Entry['status']; dept: string }>(
      `SELECT batid, status, code_departement_insee AS dept FROM batid.building`,
    ))
      buildings.set(r.batid, { status: r.status, dept: r.dept });
    const links = new Map<string, string[]>();
    for (const r of await this.store.query<{ k: string; batid: string }>(
      `SELECT scheme || ':' || external_id AS k, batid FROM batid.id_link ORDER BY active DESC, batid`,
    )) {
      const l = links.get(r.k);
      if (l) l.push(r.batid);
      else links.set(r.k, [r.batid]);
    }
    this.buildings = buildings;
    this.links = links;
    this.version = v;
  }

  /** BatIDs of an id of a lifecycle scheme, or null when the index is off (ask the database). */
  async batids(scheme: 'batid' | 'rnb' | 'bdnb_bc' | 'bdnb_bg', id: string): Promise<string[] | null> {
    if (!this.enabled) return null;
    this.loading ??= this.refresh().finally(() => (this.loading = null));
    await this.loading;
    if (!this.enabled) return null;
    if (scheme === 'batid') return this.buildings.has(id) ? [id] : [];
    const linked = this.links.get(`${scheme}:${id}`) ?? [];
    if (scheme === 'rnb' && this.buildings.has(id) && !linked.includes(id)) return [id, ...linked];
    return linked;
  }

  building(batid: string): Entry | undefined {
    return this.buildings.get(batid);
  }

  /** Forgets what it knows: the next lookup reloads (called when this process changed the registry). */
  invalidate(): void {
    this.version = '';
    this.checkedAt = 0;
  }
}

/**
 * What changes when an import or a lifecycle run changes the registry or the addresses: the last
 * finished run and the last event. Read by the in-process indexes every second or two, so it is a
 * prepared statement — planned at each call, it held the single PGlite engine 1.1 ms (0.4 ms
 * prepared, measured in-process), and every request waits behind it.
 */
export async function registryVersion(store: Store): Promise<string> {
  const r = await store.prepared<{ v: string }>(
    'registry_version',
    `SELECT coalesce(max(run_id), 0) || ':' || (SELECT coalesce(max(event_id), 0) FROM batid.event) AS v
       FROM batid.import_run WHERE status = 'done'`,
    [],
  );
  return r[0]!.v;
}

const indexes = new WeakMap<Store, IdIndex>();

/** The index of a store (one per open store, built on first use). */
export function idIndexOf(store: Store): IdIndex {
  let ix = indexes.get(store);
  if (!ix) indexes.set(store, (ix = new IdIndex(store)));
  return ix;
}

export function invalidateIdIndex(store: Store): void {
  indexes.get(store)?.invalidate();
}
