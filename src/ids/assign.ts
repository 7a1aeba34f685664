import type { Queryable, Store } from '../store/store.js';
import { BDNB_TABLES } from '../ingest/catalog/bdnb-tables.js';
import { mintBatid, parseBatid } from './batid.js';
import { CANDIDATE_DISTANCE_M, classify, type Pair } from './footprint-match.js';

export interface AssignSummary {
  dept: string;
  footprints: number;
  kept: number;
  updated: number;
  created: number;
  demolished: number;
  merged: number;
  split: number;
  conflicts: number;
}

interface Incoming {
  bc: string;
  bg: string | null;
  rnb: string | null;
  has_geom: boolean;
}

const HAS_RNB_REL = BDNB_TABLES.some(
  (t) => t.name === 'rel_batiment_construction_rnb' && t.columns.some((c) => c.name === 'rnb_id'),
);

/**
 * Gives every footprint of a département (bdnb.batiment_construction) its BatID, keeping the
 * BatID of every building that is still there (same BDNB id, same RNB id, or same footprint by
 * the RNB rule), recording creations, updates, merges, splits and demolitions, and queueing
 * unclear matches. Runs in one transaction; a rerun on the same data changes nothing.
 */
export async function assignBatids(
  store: Store,
  dept: string,
  run: { runId: number | null; millesime: string | null },
): Promise<AssignSummary> {
  return store.transaction(async (tx) => {
    const sum: AssignSummary = {
      dept,
      footprints: 0,
      kept: 0,
      updated: 0,
      created: 0,
      demolished: 0,
      merged: 0,
      split: 0,
      conflicts: 0,
    };
    await tx.exec(`DROP TABLE IF EXISTS pg_temp.inc; DROP TABLE IF EXISTS pg_temp.olds`);
    const rnbExpr = HAS_RNB_REL
      ? `COALESCE(NULLIF(bc.rnb_id, ''), (SELECT min(r.rnb_id) FROM bdnb.rel_batiment_construction_rnb r
           WHERE r.code_departement_insee = bc.code_departement_insee AND r.batiment_construction_id = bc.batiment_construction_id))`
      : `NULLIF(bc.rnb_id, '')`;
    await tx.query(
      `CREATE TEMP TABLE inc AS
         SELECT bc.batiment_construction_id AS bc, bc.batiment_groupe_id AS bg, ${rnbExpr} AS rnb, bc.geom_cstr AS geom,
                NULL::text AS batid
           FROM bdnb.batiment_construction bc WHERE bc.code_departement_insee = $1`,
      [dept],
    );
    await tx.exec(`CREATE INDEX ON inc (bc); CREATE INDEX ON inc USING gist (geom); ANALYZE inc`);
    await tx.query(
      `CREATE TEMP TABLE olds AS SELECT batid, batiment_construction_id AS bc, geom, false AS matched
         FROM batid.building WHERE code_departement_insee = $1 AND status = 'constructed'`,
      [dept],
    );
    await tx.exec(
      `CREATE INDEX ON olds (bc); CREATE INDEX ON olds (batid); CREATE INDEX ON olds USING gist (geom); ANALYZE olds`,
    );
    sum.footprints = (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM inc`))[0]!.n;

    // 1. The same building by its ids: same BDNB construction id, or the RNB id it carries.
    await tx.exec(`UPDATE inc SET batid = o.batid FROM olds o WHERE o.bc = inc.bc`);
    await tx.exec(`UPDATE inc SET batid = o.batid FROM olds o WHERE inc.batid IS NULL AND inc.rnb IS NOT NULL AND o.batid = upper(replace(inc.rnb, '-', ''))
                     AND NOT EXISTS (SELECT 1 FROM inc i2 WHERE i2.batid = o.batid)`);
    await tx.exec(
      `UPDATE olds SET matched = true WHERE batid IN (SELECT batid FROM inc WHERE batid IS NOT NULL)`,
    );

    // 2. The rest by footprint: candidates within 3 m, mutual cover, RNB rule.
    const pairs = await tx.query<Pair>(
      `SELECT o.batid AS old, i.bc AS new,
              coalesce(ST_Area(ST_Intersection(o.geom, i.geom)) / NULLIF(ST_Area(o.geom), 0), 0)::float8 AS "coverOld",
              coalesce(ST_Area(ST_Intersection(o.geom, i.geom)) / NULLIF(ST_Area(i.geom), 0), 0)::float8 AS "coverNew"
         FROM inc i JOIN olds o ON NOT o.matched AND ST_DWithin(o.geom, i.geom, ${CANDIDATE_DISTANCE_M})
        WHERE i.batid IS NULL AND i.geom IS NOT NULL`,
    );
    const olds = (await tx.query<{ batid: string }>(`SELECT batid FROM olds WHERE NOT matched`)).map(
      (r) => r.batid,
    );
    const news = await tx.query<Incoming>(
      `SELECT bc, bg, rnb, geom IS NOT NULL AS has_geom FROM inc WHERE batid IS NULL`,
    );
    const decisions = classify(
      olds,
      news.map((n) => n.bc),
      pairs,
    );
    const rnbOf = new Map(news.map((n) => [n.bc, n.rnb]));

    // New BatIDs, in bulk: an RNB id carried by the footprint when it is free, else minted.
    const toCreate: string[] = [];
    for (const d of decisions) {
      if (d.kind === 'creation' || d.kind === 'merge') toCreate.push(d.new);
      else if (d.kind === 'split') toCreate.push(...d.news);
    }
    const idOf = await mintFor(tx, toCreate, rnbOf);
    const events: EventRow[] = [];
    const retired: { batid: string; status: 'demolished' | 'retired' }[] = [];
    const sameBc: string[] = [];
    const sameId: string[] = [];
    for (const d of decisions) {
      switch (d.kind) {
        case 'same':
          sameBc.push(d.new);
          sameId.push(d.old);
          break;
        case 'creation':
          events.push({
            kind: 'creation',
            batid: idOf.get(d.new)!,
            detail: { batiment_construction_id: d.new },
          });
          sum.created++;
          break;
        case 'demolition':
          retired.push({ batid: d.old, status: 'demolished' });
          events.push({ kind: 'demolition', batid: d.old });
          sum.demolished++;
          break;
        case 'merge':
          for (const o of d.olds) retired.push({ batid: o, status: 'retired' });
          events.push({
            kind: 'merge',
            batid: idOf.get(d.new)!,
            parents: d.olds,
            detail: { batiment_construction_id: d.new },
          });
          sum.merged++;
          break;
        case 'split': {
          const children = d.news.map((n) => idOf.get(n)!);
          retired.push({ batid: d.old, status: 'retired' });
          for (const c of children) events.push({ kind: 'split', batid: c, parents: [d.old] });
          events.push({ kind: 'split', batid: d.old, children });
          sum.split++;
          break;
        }
        case 'conflict':
          await tx.query(
            `INSERT INTO batid.conflict (code_departement_insee, run_id, millesime, old_batids, new_construction_ids, old_geom, new_geom, pairs)
             SELECT $1, $2, $3, $4, $5,
                    (SELECT ST_Multi(ST_Union(geom)) FROM olds WHERE batid = ANY($4)),
                    (SELECT ST_Multi(ST_Union(geom)) FROM inc WHERE bc = ANY($5)), $6
              WHERE NOT EXISTS (SELECT 1 FROM batid.conflict c WHERE c.status = 'open' AND c.code_departement_insee = $1
                                   AND c.old_batids = $4::text[] AND c.new_construction_ids = $5::text[])`,
            [dept, run.runId, run.millesime, d.olds, d.news, JSON.stringify(d.pairs)],
          );
          sum.conflicts++;
          break;
      }
    }
    await tx.query(
      `UPDATE inc SET batid = u.id FROM unnest($1::text[], $2::text[]) AS u(bc, id) WHERE inc.bc = u.bc`,
      [
        [...sameBc, ...idOf.keys()],
        [...sameId, ...idOf.values()],
      ],
    );
    await tx.query(
      `INSERT INTO batid.building (batid, code_departement_insee, status, batiment_construction_id, batiment_groupe_id, geom, first_millesime, last_millesime)
       SELECT i.batid, $1, 'constructed', i.bc, i.bg, i.geom, $2, $2 FROM inc i WHERE i.batid = ANY($3::text[])`,
      [dept, run.millesime, [...idOf.values()]],
    );
    await tx.query(
      `UPDATE batid.building b SET status = u.status, batiment_construction_id = NULL, updated_at = now(), last_millesime = $3
         FROM unnest($1::text[], $2::text[]) AS u(batid, status) WHERE b.batid = u.batid`,
      [retired.map((r) => r.batid), retired.map((r) => r.status), run.millesime],
    );

    // 3. Buildings kept: follow their footprint (ids, group, shape); a change is an update event.
    const changed = await tx.query<{ batid: string; geometry: boolean; ids: boolean }>(
      `WITH upd AS (
         SELECT b.batid,
                CASE WHEN b.geom IS NULL OR i.geom IS NULL THEN (b.geom IS NULL) <> (i.geom IS NULL) ELSE NOT ST_Equals(b.geom, i.geom) END AS geometry,
                (b.batiment_construction_id IS DISTINCT FROM i.bc OR b.batiment_groupe_id IS DISTINCT FROM i.bg) AS ids,
                i.bc, i.bg, i.geom
           FROM batid.building b JOIN inc i ON i.batid = b.batid
          WHERE b.code_departement_insee = $1)
       UPDATE batid.building b SET batiment_construction_id = u.bc, batiment_groupe_id = u.bg, geom = u.geom,
              last_millesime = $2, updated_at = CASE WHEN u.geometry OR u.ids THEN now() ELSE b.updated_at END
         FROM upd u WHERE b.batid = u.batid AND (u.geometry OR u.ids OR b.last_millesime IS DISTINCT FROM $2)
       RETURNING b.batid, u.geometry, u.ids`,
      [dept, run.millesime],
    );
    for (const c of changed) {
      if (!c.geometry && !c.ids) continue;
      events.push({ kind: 'update', batid: c.batid, detail: { geometry: c.geometry, ids: c.ids } });
      sum.updated++;
    }
    await insertEvents(tx, dept, run, events);
    sum.kept = (
      await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM inc i JOIN olds o ON o.batid = i.batid`)
    )[0]!.n;

    // 4. Crosswalk of the ids whose history matters: current links active, the others kept inactive.
    await linkIds(tx, dept, run.millesime);
    await tx.exec(`DROP TABLE IF EXISTS pg_temp.inc; DROP TABLE IF EXISTS pg_temp.olds`);
    return sum;
  });
}

interface EventRow {
  kind: 'creation' | 'update' | 'merge' | 'split' | 'demolition';
  batid: string;
  parents?: string[];
  children?: string[];
  detail?: unknown;
}

async function insertEvents(
  tx: Queryable,
  dept: string,
  run: { runId: number | null; millesime: string | null },
  events: EventRow[],
): Promise<void> {
  for (let i = 0; i < events.length; i += 20_000) {
    await tx.query(
      `INSERT INTO batid.event (kind, batid, code_departement_insee, parents, children, run_id, millesime, detail)
       SELECT e.kind, e.batid, $2, ARRAY(SELECT jsonb_array_elements_text(coalesce(e.parents, '[]'))),
              ARRAY(SELECT jsonb_array_elements_text(coalesce(e.children, '[]'))), $3, $4, e.detail
         FROM jsonb_to_recordset($1::jsonb) AS e(kind text, batid text, parents jsonb, children jsonb, detail jsonb)`,
      [JSON.stringify(events.slice(i, i + 20_000)), dept, run.runId, run.millesime],
    );
  }
}

/**
 * BatIDs for new footprints: the RNB id a footprint carries when it is a valid id nobody holds,
 * else a random one; never one that exists (or ever existed: nothing is deleted).
 */
async function mintFor(
  tx: Queryable,
  bcs: string[],
  rnbOf: Map<string, string | null>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const claimed = new Set<string>();
  let want = bcs.map((bc) => {
    const r = rnbOf.get(bc);
    const p = r ? parseBatid(r) : null;
    return { bc, id: p?.ok ? p.batid : null };
  });
  while (want.length) {
    const batch = want.map((w) => {
      let id = w.id;
      while (!id || claimed.has(id)) id = mintBatid();
      claimed.add(id);
      return { bc: w.bc, id };
    });
    const rows = await tx.query<{ batid: string }>(
      `SELECT batid FROM batid.building WHERE batid = ANY($1::text[])`,
      [batch.map((b) => b.id)],
    );
    const taken = new Set(rows.map((r) => r.batid));
    for (const b of batch) if (!taken.has(b.id)) out.set(b.bc, b.id);
    want = batch.filter((b) => taken.has(b.id)).map((b) => ({ bc: b.bc, id: null }));
  }
  return out;
}

async function linkIds(tx: Queryable, dept: string, millesime: string | null): Promise<void> {
  await tx.query(`UPDATE batid.id_link SET active = false WHERE code_departement_insee = $1 AND active`, [
    dept,
  ]);
  for (const [scheme, expr] of [
    ['bdnb_bc', 'bc'],
    ['bdnb_bg', 'bg'],
    ['rnb', `upper(replace(rnb, '-', ''))`],
  ] as const) {
    await tx.query(
      `INSERT INTO batid.id_link (scheme, external_id, batid, code_departement_insee, first_millesime, last_millesime, active)
       SELECT DISTINCT $1::text, ${expr}, batid, $2::text, $3::text, $3::text, true FROM inc WHERE batid IS NOT NULL AND ${expr} IS NOT NULL
       ON CONFLICT (scheme, external_id, batid) DO UPDATE SET active = true, last_millesime = EXCLUDED.last_millesime`,
      [scheme, dept, millesime],
    );
  }
}
