import type { Store } from '../store/store.js';
import { LOOKUPS, tableExists, type LinkedId, type Scheme } from './resolve.js';

export interface BuildingIds {
  batid: string;
  status: string;
  code_departement_insee: string;
  /** Every identifier linked to the building, by scheme, each with its source and millésime. */
  ids: Partial<Record<Scheme, LinkedId[]>>;
}

/** BatID → every key (the other direction of `resolve`). Null when the BatID is unknown. */
export async function linkedIds(store: Store, batid: string): Promise<BuildingIds | null> {
  const b = (
    await store.query<{
      batid: string;
      status: string;
      code_departement_insee: string;
      bg: string | null;
      bc: string | null;
    }>(
      `SELECT batid, status, code_departement_insee, batiment_groupe_id AS bg, batiment_construction_id AS bc FROM batid.building WHERE batid = $1`,
      [batid],
    )
  )[0];
  if (!b) return null;
  const ids: BuildingIds['ids'] = { batid: [{ id: b.batid, source: 'batid.building', millesime: null }] };
  const links = await store.query<{
    scheme: Scheme;
    external_id: string;
    last_millesime: string | null;
    active: boolean;
  }>(
    `SELECT scheme, external_id, last_millesime, active FROM batid.id_link WHERE batid = $1 ORDER BY scheme, active DESC, external_id`,
    [batid],
  );
  for (const l of links) {
    (ids[l.scheme] ??= []).push({
      id: l.external_id,
      source: 'batid.id_link',
      millesime: l.last_millesime,
      active: l.active,
    });
  }
  const versions = new Map(
    (
      await store.query<{ table_name: string; millesime: string | null }>(
        `SELECT table_name, millesime FROM batid.source_version WHERE code_departement_insee = $1`,
        [b.code_departement_insee],
      )
    ).map((v) => [v.table_name, v.millesime]),
  );
  // Live links go through the building's current group and footprint: a demolished or retired
  // building has none (its past ids stay in id_link).
  if (b.status !== 'constructed')
    return { batid: b.batid, status: b.status, code_departement_insee: b.code_departement_insee, ids };
  for (const [scheme, lookups] of Object.entries(LOOKUPS) as [
    Scheme,
    (typeof LOOKUPS)[keyof typeof LOOKUPS],
  ][]) {
    for (const l of lookups) {
      const key = l.via === 'bg' ? b.bg : b.bc;
      if (!key || !(await tableExists(store, l.table))) continue;
      const col = l.via === 'bg' ? 'batiment_groupe_id' : 'batiment_construction_id';
      const rows = await store.query<{ v: string }>(
        `SELECT DISTINCT x."${l.column}" AS v FROM bdnb."${l.table}" x
          WHERE x.code_departement_insee = $1 AND x."${col}" = $2 AND x."${l.column}" IS NOT NULL ORDER BY 1`,
        [b.code_departement_insee, key],
      );
      for (const r of rows) {
        // BD TOPO: the old BDNB footprint ids are the BD TOPO cleabs plus a suffix
        const v = scheme === 'bdtopo' ? /^(BATIMENT\d{16})-\d+$/.exec(r.v)?.[1] : r.v;
        if (!v) continue;
        const list = (ids[scheme] ??= []);
        if (!list.some((x) => x.id === v))
          list.push({ id: v, source: `bdnb.${l.table}`, millesime: versions.get(l.table) ?? null });
      }
    }
  }
  return { batid: b.batid, status: b.status, code_departement_insee: b.code_departement_insee, ids };
}
