import type { Queryable, Store } from '../store/store.js';
import { BDNB_TABLES } from '../ingest/catalog/bdnb-tables.js';
import { mintBatid, parseBatid } from './batid.js';
import { invalidateIdIndex } from './id-index.js';
import { CANDIDATE_DISTANCE_M, classify } from './footprint-match.js';

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

interface RunInfo {
  runId: number | null;
  millesime: string | null;
}

const HAS_RNB_REL = BDNB_TABLES.some(
  (t) => t.name === 'rel_batiment_construction_rnb' && t.columns.some((c) => c.name === 'rnb_id'),
);

/**
 * Gives every footprint of a département (bdnb.batiment_construction) its BatID, keeping the
 * BatID of every building that is still there — same BDNB id, same RNB id, or same footprint by
 * the RNB rule (src/ids/footprint-match.ts) — recording creations, updates, merges, splits and
 * demolitions, and queueing unclear matches. One transaction; a rerun on the same data changes
 * nothing. Set-based SQL on temp tables (joins, never per-row statements, never big UPDATEs).
 */
export async function assignBatids(store: Store, dept: string, run: RunInfo): Promise<AssignSummary> {
  const t0 = performance.now();
  const mark = (what: string) => {
    if (process.env.BATID_TIMINGS)
      process.stderr.write(`  assign ${what}: ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
  };
  const result = await store.transaction(async (tx) => {
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
    await dropTemps(tx);
    const rnbExpr = HAS_RNB_REL
      ? `COALESCE(NULLIF(bc.rnb_id, ''), (SELECT min(r.rnb_id) FROM bdnb.rel_batiment_construction_rnb r
           WHERE r.code_departement_insee = bc.code_departement_insee AND r.batiment_construction_id = bc.batiment_construction_id))`
      : `NULLIF(bc.rnb_id, '')`;
    // inc: the footprints now; olds: the buildings standing before
    await tx.query(
      `CREATE TEMP TABLE inc AS
         SELECT bc.batiment_construction_id AS bc, bc.batiment_groupe_id AS bg, upper(replace(${rnbExpr}, '-', '')) AS rnb, bc.geom_cstr AS geom
           FROM bdnb.batiment_construction bc WHERE bc.code_departement_insee = $1`,
      [dept],
    );
    await tx.query(
      `CREATE TEMP TABLE olds AS SELECT batid, batiment_construction_id AS bc, geom
         FROM batid.building WHERE code_departement_insee = $1 AND status = 'constructed'`,
      [dept],
    );
    await tx.exec(
      `CREATE UNIQUE INDEX ON inc (bc); ANALYZE inc; CREATE UNIQUE INDEX ON olds (batid); ANALYZE olds`,
    );
    sum.footprints = await count(tx, `SELECT count(*)::int AS n FROM inc`);
    mark('staged');

    // 1. The same building by its ids: same BDNB construction id, else the RNB id it carries.
    await tx.exec(`CREATE TEMP TABLE assigned (bc text PRIMARY KEY, batid text NOT NULL UNIQUE, kind text NOT NULL);
      INSERT INTO assigned SELECT i.bc, o.batid, 'same' FROM inc i JOIN olds o ON o.bc = i.bc;
      INSERT INTO assigned SELECT DISTINCT ON (o.batid) i.bc, o.batid, 'same' FROM inc i JOIN olds o ON o.batid = i.rnb
        WHERE NOT EXISTS (SELECT 1 FROM assigned a WHERE a.bc = i.bc OR a.batid = o.batid) ORDER BY o.batid, i.bc;
      ANALYZE assigned`);

    // 2. The rest by footprint: candidates within 3 m, mutual cover, RNB rule.
    await tx.exec(`CREATE TEMP TABLE inc_left AS SELECT i.bc, i.rnb, i.geom FROM inc i WHERE NOT EXISTS (SELECT 1 FROM assigned a WHERE a.bc = i.bc);
      CREATE TEMP TABLE olds_left AS SELECT o.batid, o.geom FROM olds o WHERE NOT EXISTS (SELECT 1 FROM assigned a WHERE a.batid = o.batid);
      CREATE INDEX ON olds_left USING gist (geom); ANALYZE inc_left; ANALYZE olds_left`);
    const pairs = await tx.query<{ old: string; new: string; coverOld: number; coverNew: number }>(
      `SELECT o.batid AS old, i.bc AS new,
              coalesce(ST_Area(ST_Intersection(o.geom, i.geom)) / NULLIF(ST_Area(o.geom), 0), 0)::float8 AS "coverOld",
              coalesce(ST_Area(ST_Intersection(o.geom, i.geom)) / NULLIF(ST_Area(i.geom), 0), 0)::float8 AS "coverNew"
         FROM inc_left i JOIN olds_left o ON ST_DWithin(o.geom, i.geom, ${CANDIDATE_DISTANCE_M})
        WHERE i.geom IS NOT NULL`,
    );
    const news = await tx.query<{ bc: string; rnb: string | null }>(`SELECT bc, rnb FROM inc_left`);
    const olds = (await tx.query<{ batid: string }>(`SELECT batid FROM olds_left`)).map((r) => r.batid);
    const decisions = classify(
      olds,
      news.map((n) => n.bc),
      pairs,
    );
    mark('matched');

    // New BatIDs (creations, merge and split children) and the decisions' other effects.
    const kindOf = new Map<string, 'creation' | 'merge' | 'split'>();
    const events: EventRow[] = [];
    const retired: [string, 'demolished' | 'retired'][] = [];
    const sames: [string, string][] = [];
    for (const d of decisions) {
      if (d.kind === 'same') sames.push([d.new, d.old]);
      else if (d.kind === 'creation') kindOf.set(d.new, 'creation');
      else if (d.kind === 'merge') kindOf.set(d.new, 'merge');
      else if (d.kind === 'split') for (const n of d.news) kindOf.set(n, 'split');
    }
    const idOf = await mintFor(tx, [...kindOf.keys()], new Map(news.map((n) => [n.bc, n.rnb])));
    for (const d of decisions) {
      switch (d.kind) {
        case 'creation':
          sum.created++;
          break;
        case 'demolition':
          retired.push([d.old, 'demolished']);
          events.push({ kind: 'demolition', batid: d.old });
          sum.demolished++;
          break;
        case 'merge':
          for (const o of d.olds) retired.push([o, 'retired']);
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
          retired.push([d.old, 'retired']);
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
        case 'same':
          break;
      }
    }
    const rows: [string, string, string][] = [
      ...sames.map(([bc, id]): [string, string, string] => [bc, id, 'same']),
      ...[...idOf].map(([bc, id]): [string, string, string] => [bc, id, kindOf.get(bc)!]),
    ];
    for (let i = 0; i < rows.length; i += 50_000) {
      const chunk = rows.slice(i, i + 50_000);
      await tx.query(`INSERT INTO assigned SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`, [
        chunk.map((r) => r[0]),
        chunk.map((r) => r[1]),
        chunk.map((r) => r[2]),
      ]);
    }
    await tx.exec(`ANALYZE assigned`);
    mark('minted');

    // 3. Write: new buildings, retired ones, kept ones following their footprint.
    await tx.query(
      `INSERT INTO batid.building (batid, code_departement_insee, status, batiment_construction_id, batiment_groupe_id, geom, first_millesime, last_millesime)
       SELECT a.batid, $1, 'constructed', i.bc, i.bg, i.geom, $2, $2 FROM assigned a JOIN inc i ON i.bc = a.bc WHERE a.kind <> 'same' ORDER BY a.batid`,
      [dept, run.millesime],
    );
    await tx.query(
      `INSERT INTO batid.event (kind, batid, code_departement_insee, run_id, millesime, detail)
       SELECT 'creation', a.batid, $1, $2, $3, jsonb_build_object('batiment_construction_id', a.bc)
         FROM assigned a WHERE a.kind = 'creation' ORDER BY a.batid`,
      [dept, run.runId, run.millesime],
    );
    await tx.query(
      `UPDATE batid.building b SET status = u.status, batiment_construction_id = NULL, updated_at = now(), last_millesime = $3
         FROM unnest($1::text[], $2::text[]) AS u(batid, status) WHERE b.batid = u.batid`,
      [retired.map((r) => r[0]), retired.map((r) => r[1]), run.millesime],
    );
    const changed = await tx.query<{ batid: string; geometry: boolean; ids: boolean }>(
      `WITH k AS (
         SELECT b.batid, i.bc, i.bg, i.geom,
                CASE WHEN b.geom IS NULL OR i.geom IS NULL THEN (b.geom IS NULL) <> (i.geom IS NULL)
                     ELSE NOT ST_Equals(b.geom, i.geom) END AS geometry,
                (b.batiment_construction_id IS DISTINCT FROM i.bc OR b.batiment_groupe_id IS DISTINCT FROM i.bg) AS ids,
                b.last_millesime IS DISTINCT FROM $1 AS newer
           FROM assigned a JOIN inc i ON i.bc = a.bc JOIN batid.building b ON b.batid = a.batid
          WHERE a.kind = 'same')
       UPDATE batid.building b SET batiment_construction_id = k.bc, batiment_groupe_id = k.bg, geom = k.geom, last_millesime = $1,
              updated_at = CASE WHEN k.geometry OR k.ids THEN now() ELSE b.updated_at END
         FROM k WHERE b.batid = k.batid AND (k.geometry OR k.ids OR k.newer)
       RETURNING b.batid, k.geometry, k.ids`,
      [run.millesime],
    );
    for (const c of changed) {
      if (!c.geometry && !c.ids) continue;
      events.push({ kind: 'update', batid: c.batid, detail: { geometry: c.geometry, ids: c.ids } });
      sum.updated++;
    }
    await insertEvents(tx, dept, run, events);
    sum.kept = await count(tx, `SELECT count(*)::int AS n FROM assigned WHERE kind = 'same'`);
    mark('written');

    // 4. Crosswalk of the ids whose history matters: current links active, the others kept inactive.
    await linkIds(tx, dept, run.millesime);
    await dropTemps(tx);
    mark('linked');
    return sum;
  });
  invalidateIdIndex(store);
  return result;
}

async function count(tx: Queryable, sql: string): Promise<number> {
  return (await tx.query<{ n: number }>(sql))[0]!.n;
}

async function dropTemps(tx: Queryable): Promise<void> {
  await tx.exec(
    ['inc', 'olds', 'assigned', 'inc_left', 'olds_left', 'cur']
      .map((t) => `DROP TABLE IF EXISTS pg_temp.${t};`)
      .join(' '),
  );
}

interface EventRow {
  kind: 'creation' | 'update' | 'merge' | 'split' | 'demolition';
  batid: string;
  parents?: string[];
  children?: string[];
  detail?: unknown;
}

async function insertEvents(tx: Queryable, dept: string, run: RunInfo, events: EventRow[]): Promise<void> {
  for (let i = 0; i < events.length; i += 20_000) {
    await tx.query(
      `INSERT INTO batid.event (kind, batid, code_departement_insee, parents, children, run_id, millesime, detail)
       SELECT x.e->>'kind', x.e->>'batid', $2, ARRAY(SELECT jsonb_array_elements_text(coalesce(x.e->'parents', '[]'))),
              ARRAY(SELECT jsonb_array_elements_text(coalesce(x.e->'children', '[]'))), $3, $4, x.e->'detail'
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, n) ORDER BY x.n`,
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
      `SELECT b.batid FROM batid.building b JOIN unnest($1::text[]) AS u(id) ON b.batid = u.id`,
      [batch.map((b) => b.id)],
    );
    const taken = new Set(rows.map((r) => r.batid));
    for (const b of batch) if (!taken.has(b.id)) out.set(b.bc, b.id);
    want = batch.filter((b) => taken.has(b.id)).map((b) => ({ bc: b.bc, id: null }));
  }
  return out;
}

async function linkIds(tx: Queryable, dept: string, millesime: string | null): Promise<void> {
  await tx.exec(`CREATE TEMP TABLE cur AS
      SELECT 'bdnb_bc'::text AS scheme, a.bc AS external_id, a.batid FROM assigned a
      UNION ALL SELECT DISTINCT 'bdnb_bg', i.bg, a.batid FROM assigned a JOIN inc i ON i.bc = a.bc WHERE i.bg IS NOT NULL
      UNION ALL SELECT DISTINCT 'rnb', i.rnb, a.batid FROM assigned a JOIN inc i ON i.bc = a.bc WHERE i.rnb IS NOT NULL;
    CREATE INDEX ON cur (scheme, external_id, batid); ANALYZE cur`);
  const same = `c.scheme = l.scheme AND c.external_id = l.external_id AND c.batid = l.batid`;
  await tx.query(
    `UPDATE batid.id_link l SET active = false
      WHERE l.code_departement_insee = $1 AND l.active AND NOT EXISTS (SELECT 1 FROM cur c WHERE ${same})`,
    [dept],
  );
  await tx.query(
    `UPDATE batid.id_link l SET active = true, last_millesime = $1 FROM cur c
      WHERE ${same} AND (NOT l.active OR l.last_millesime IS DISTINCT FROM $1)`,
    [millesime],
  );
  await tx.query(
    `INSERT INTO batid.id_link (scheme, external_id, batid, code_departement_insee, first_millesime, last_millesime, active)
     SELECT c.scheme, c.external_id, c.batid, $1, $2, $2, true FROM cur c
      WHERE NOT EXISTS (SELECT 1 FROM batid.id_link l WHERE ${same}) ORDER BY c.scheme, c.external_id`,
    [dept, millesime],
  );
}
