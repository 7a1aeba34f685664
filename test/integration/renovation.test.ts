import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runIndicators } from '../../src/cli/indicators-command.js';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import { DPE_TRUTH_FILE, readDpeTruth } from '../../src/synth/dpe-truth.js';
import { evolve } from '../../src/synth/evolve.js';
import type { TerritoryIndicators } from '../../src/renovation/territory-indicators.js';
import type { Store } from '../../src/store/store.js';
import { backends } from '../helpers/backends.js';
import { syntheticDb, type SyntheticDb } from '../helpers/synthetic-db.js';

interface Truth {
  bg: string;
  before: string;
  after: string;
  kind: 'renovation' | 'correction' | 'methode';
}

async function readTruth(dir: string): Promise<Truth[]> {
  const rows = await readDpeTruth(join(dir, DPE_TRUTH_FILE));
  assert.ok(rows, `${dir} has its ${DPE_TRUTH_FILE}`);
  return rows.map((r) => ({ bg: r.group, before: r.before, after: r.after, kind: r.kind }));
}

const pairKey = (bg: string, b: string, a: string) => `${bg}|${b}|${a}`;

/** The class of a 2021-method certificate, in SQL, written here independently of src/. */
const CLASS_SQL = (ep: string, ges: string) => `
  (SELECT c FROM (VALUES ('A', 0), ('B', 1), ('C', 2), ('D', 3), ('E', 4), ('F', 5), ('G', 6)) v(c, k)
    WHERE k = greatest(
      CASE WHEN ${ep} < 70 THEN 0 WHEN ${ep} < 110 THEN 1 WHEN ${ep} < 180 THEN 2 WHEN ${ep} < 250 THEN 3
           WHEN ${ep} < 330 THEN 4 WHEN ${ep} < 420 THEN 5 ELSE 6 END,
      CASE WHEN ${ges} IS NULL THEN 0 WHEN ${ges} < 6 THEN 0 WHEN ${ges} < 11 THEN 1 WHEN ${ges} < 30 THEN 2
           WHEN ${ges} < 50 THEN 3 WHEN ${ges} < 70 THEN 4 WHEN ${ges} < 100 THEN 5 ELSE 6 END))`;

/**
 * Every building of one commune with its latest valid 2021-method certificate as of `$2`, read
 * from the BDNB tables (not from the derived ones): the basis of the oracle below.
 */
const ORACLE_STOCK = `
  WITH replaced AS (
    SELECT DISTINCT numero_dpe_remplace AS id FROM bdnb.dpe_logement
     WHERE code_departement_insee = '03' AND numero_dpe_remplace IS NOT NULL),
  valid AS (
    SELECT r.batiment_groupe_id AS bg, d.*
      FROM bdnb.rel_batiment_groupe_dpe_logement r
      JOIN bdnb.dpe_logement d ON d.code_departement_insee = r.code_departement_insee AND d.identifiant_dpe = r.identifiant_dpe
     WHERE r.code_departement_insee = '03'
       AND coalesce(d.arrete_2021, d.date_etablissement_dpe >= DATE '2021-07-01')
       AND d.identifiant_dpe NOT IN (SELECT id FROM replaced)
       AND d.classe_bilan_dpe IS NOT NULL
       AND ($2::date IS NULL OR d.date_etablissement_dpe <= $2::date)),
  latest AS (
    SELECT * FROM (
      SELECT v.*, row_number() OVER (PARTITION BY bg ORDER BY date_etablissement_dpe DESC, identifiant_dpe DESC) AS rk
        FROM valid v) x WHERE rk = 1),
  relabel AS (
    SELECT l.*, round((CASE WHEN l.date_etablissement_dpe >= DATE '2026-01-01' THEN l.conso_5_usages_ep_m2
             ELSE l.conso_5_usages_ep_m2 - 0.4 * greatest(0, least(l.conso_5_usages_ef_m2,
                  (l.conso_5_usages_ep_m2 - l.conso_5_usages_ef_m2) / 1.3)) END)::numeric, 1)::float8 AS ep26
      FROM latest l)
  SELECT g.batiment_groupe_id AS bg, coalesce(f.nb_log, 0) AS nb_log, l.classe_bilan_dpe AS c,
         CASE WHEN l.bg IS NULL THEN NULL
              WHEN ${CLASS_SQL('l.ep26', 'l.emission_ges_5_usages_m2')} <> ${CLASS_SQL('l.conso_5_usages_ep_m2', 'l.emission_ges_5_usages_m2')}
              THEN ${CLASS_SQL('l.ep26', 'l.emission_ges_5_usages_m2')} ELSE l.classe_bilan_dpe END AS c26,
         l.conso_5_usages_ef_m2 > 450 AS g_plus, l.type_energie_chauffage AS e, l.type_installation_chauffage AS i
    FROM bdnb.batiment_groupe g
    LEFT JOIN bdnb.batiment_groupe_ffo_bat f ON f.code_departement_insee = g.code_departement_insee AND f.batiment_groupe_id = g.batiment_groupe_id
    LEFT JOIN relabel l ON l.bg = g.batiment_groupe_id
   WHERE g.code_departement_insee = '03' AND g.code_commune_insee = $1`;

interface StockRow {
  bg: string;
  nb_log: number;
  c: string | null;
  c26: string | null;
  g_plus: boolean | null;
  e: string | null;
  i: string | null;
}

/** The figures of one commune recomputed from the stock rows and plain queries. */
async function oracle(store: Store, commune: string, year: number | null) {
  const asOf = year === null ? null : `${year}-12-31`;
  const stock = await store.query<StockRow>(ORACLE_STOCK, [commune, asOf]);
  const withDpe = stock.filter((s) => s.c !== null);
  const sum = (rows: StockRow[]) => rows.reduce((n, r) => n + r.nb_log, 0);
  const classes = (key: 'c' | 'c26') =>
    Object.fromEntries(
      ['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((c) => {
        const rows = withDpe.filter((s) => s[key] === c);
        return [c, { batiments: rows.length, logements: sum(rows) }];
      }),
    );
  const energies: Record<string, number> = {};
  for (const s of withDpe) energies[s.e ?? 'inconnue'] = (energies[s.e ?? 'inconnue'] ?? 0) + 1;
  const inCommune = `SELECT batiment_groupe_id FROM bdnb.batiment_groupe WHERE code_departement_insee = '03' AND code_commune_insee = $1`;
  const [renov] = await store.query<{ n: number; perf: number; bats: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE performante)::int AS perf, count(DISTINCT batiment_groupe_id)::int AS bats
       FROM renovation.renovation WHERE code_departement_insee = '03' AND batiment_groupe_id IN (${inCommune})
        AND ($2::int IS NULL OR date_apres BETWEEN make_date($2::int, 1, 1) AND make_date($2::int, 12, 31))`,
    [commune, year],
  );
  const [followed] = await store.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT r.batiment_groupe_id FROM bdnb.rel_batiment_groupe_dpe_logement r
         JOIN bdnb.dpe_logement d ON d.code_departement_insee = r.code_departement_insee AND d.identifiant_dpe = r.identifiant_dpe
        WHERE r.code_departement_insee = '03' AND r.batiment_groupe_id IN (${inCommune})
          AND coalesce(d.arrete_2021, d.date_etablissement_dpe >= DATE '2021-07-01')
          AND NOT EXISTS (SELECT 1 FROM bdnb.dpe_logement x WHERE x.code_departement_insee = '03' AND x.numero_dpe_remplace = d.identifiant_dpe)
          AND ($2::date IS NULL OR d.date_etablissement_dpe <= $2::date)
        GROUP BY 1 HAVING count(*) >= 2) x`,
    [commune, asOf],
  );
  const [social] = await store.query<{ n: number; logs: number }>(
    `SELECT count(*)::int AS n, coalesce(sum(nb_log), 0)::int AS logs FROM bdnb.batiment_groupe_rpls
      WHERE code_departement_insee = '03' AND batiment_groupe_id IN (${inCommune})`,
    [commune],
  );
  const [elec] = await store.query<{ n: number; med: number | null; m: string }>(
    `SELECT count(*)::int AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY conso_res / nb_pdl_res)::float8 AS med, max(millesime) AS m
       FROM bdnb.batiment_groupe_dle_elec_multimillesime
      WHERE code_departement_insee = '03' AND batiment_groupe_id IN (${inCommune}) AND nb_pdl_res > 0
        AND millesime = coalesce($2::text, (SELECT max(millesime) FROM bdnb.batiment_groupe_dle_elec_multimillesime WHERE code_departement_insee = '03'))`,
    [commune, year === null ? null : String(year)],
  );
  const [permits] = await store.query<{ n: number; crees: number }>(
    `SELECT count(*)::int AS n, coalesce(sum(nb_logements_crees), 0)::int AS crees FROM bdnb.sitadel s
      WHERE s.code_departement_insee = '03'
        AND ($2::int IS NULL OR extract(year FROM s.date_autorisation) = $2::int)
        AND s.numero_permis IN (
          SELECT ps.numero_permis FROM bdnb.rel_parcelle_sitadel ps
            JOIN bdnb.rel_batiment_groupe_parcelle bp ON bp.code_departement_insee = ps.code_departement_insee AND bp.parcelle_id = ps.parcelle_id
           WHERE bp.code_departement_insee = '03' AND bp.batiment_groupe_id IN (${inCommune}))`,
    [commune, year],
  );
  return {
    batiments: {
      total: stock.length,
      residentiels: stock.filter((s) => s.nb_log > 0).length,
      logements: sum(stock),
    },
    batiments_avec_dpe: withDpe.length,
    logements_avec_dpe: sum(withDpe),
    etiquettes: classes('c'),
    etiquettes_facteur_2026: classes('c26'),
    passoires: withDpe.filter((s) => s.c === 'F' || s.c === 'G').length,
    passoires_2026: withDpe.filter((s) => s.c26 === 'F' || s.c26 === 'G').length,
    g_plus: withDpe.filter((s) => s.g_plus).length,
    energies,
    collectif: withDpe.filter((s) => s.i === 'collectif').length,
    renovations: renov!,
    suivis: followed!.n,
    social: social!,
    elec: elec!,
    permits: permits!,
  };
}

function compare(api: TerritoryIndicators, o: Awaited<ReturnType<typeof oracle>>, where: string) {
  const eq = (a: unknown, b: unknown, what: string) => assert.deepEqual(a, b, `${where}: ${what}`);
  eq(api.batiments, o.batiments, 'buildings');
  eq(api.dpe.batiments_avec_dpe, o.batiments_avec_dpe, 'buildings with a DPE');
  eq(api.dpe.logements_avec_dpe, o.logements_avec_dpe, 'dwellings with a DPE');
  eq(api.dpe.etiquettes, o.etiquettes, 'labels');
  eq(api.dpe.etiquettes_facteur_2026, o.etiquettes_facteur_2026, 'labels with the 2026 factor');
  eq(api.dpe.passoires_f_g.batiments, o.passoires, 'F/G');
  eq(api.dpe.passoires_f_g.part_batiments.sur, o.batiments_avec_dpe, 'F/G denominator');
  eq(api.dpe.passoires_f_g_facteur_2026.batiments, o.passoires_2026, 'F/G with the 2026 factor');
  eq(api.dpe.g_plus.batiments, o.g_plus, 'G+');
  eq(api.dpe.couverture_batiments_residentiels.sur, o.batiments.residentiels, 'coverage denominator');
  const energies = Object.fromEntries(Object.entries(api.chauffage.energie).filter(([, n]) => n > 0));
  eq(energies, o.energies, 'heating energies');
  eq(api.chauffage.installation.collectif, o.collectif, 'collective heating');
  eq(api.renovations.total, o.renovations.n, 'renovations');
  eq(api.renovations.performantes, o.renovations.perf, 'renovations performantes');
  eq(api.renovations.batiments_renoves, o.renovations.bats, 'renovated buildings');
  eq(api.renovations.batiments_suivis, o.suivis, 'followed buildings');
  eq(
    Object.values(api.renovations.par_transition).reduce((a, b) => a + b, 0),
    o.renovations.n,
    'transitions add up',
  );
  eq(api.logement_social.batiments, o.social.n, 'social buildings');
  eq(api.logement_social.logements, o.social.logs, 'social dwellings');
  const elec = api.consommation_mesuree.electricite;
  if (o.elec.n === 0) eq(elec, undefined, 'no metered electricity');
  else {
    eq(elec?.batiments, o.elec.n, 'metered electricity: buildings');
    eq(elec?.mediane_kwh_par_logement, Math.round(o.elec.med!), 'metered electricity: median');
    eq(elec?.millesime, o.elec.m, 'metered electricity: millésime');
  }
  eq(api.permis.total, o.permits.n, 'permits');
  eq(api.permis.logements_crees, o.permits.crees, 'dwellings created');
}

for (const make of backends()) {
  describe(`renovation tracking [${make().name}]`, () => {
    let db: SyntheticDb;
    let store: Store;
    let truth: Truth[];
    before(async () => {
      db = await syntheticDb(make, { scale: 0.05, app: { logLevel: 'silent' } });
      store = db.store;
      truth = await readTruth(db.export);
    });
    after(async () => db?.close());

    const get = (url: string) => db.app.inject({ method: 'GET', url });

    test('renovations detected against the synthetic ground truth: precision and recall ≥ 0.95, corrections never counted', async () => {
      const found = await store.query<{ bg: string; b: string; a: string }>(
        `SELECT batiment_groupe_id AS bg, dpe_avant AS b, dpe_apres AS a FROM renovation.renovation WHERE code_departement_insee = '03'`,
      );
      const detected = new Set(found.map((r) => pairKey(r.bg, r.b, r.a)));
      const real = new Set(
        truth.filter((t) => t.kind === 'renovation').map((t) => pairKey(t.bg, t.before, t.after)),
      );
      assert.ok(real.size >= 50, `the ground truth has renovations (${real.size})`);
      const tp = [...detected].filter((k) => real.has(k)).length;
      const precision = tp / detected.size;
      const recall = tp / real.size;
      console.log(
        `renovation detection [${db.backend.name}]: ${detected.size} detected, ${real.size} true, ` +
          `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`,
      );
      assert.ok(precision >= 0.95, `precision ${precision}`);
      assert.ok(recall >= 0.95, `recall ${recall}`);
      const corrections = truth.filter((t) => t.kind === 'correction');
      const methodOnly = truth.filter((t) => t.kind === 'methode');
      assert.ok(
        corrections.length > 0 && methodOnly.length > 0,
        'the truth has corrections and method-only pairs',
      );
      for (const t of [...corrections, ...methodOnly])
        assert.ok(
          !detected.has(pairKey(t.bg, t.before, t.after)),
          `${t.kind} ${t.before} → ${t.after} not counted`,
        );
      // a corrected certificate is never one side of a renovation
      const replaced = new Set(corrections.map((t) => t.before));
      for (const r of found) assert.ok(!replaced.has(r.b) && !replaced.has(r.a), `${r.b} → ${r.a}`);
    });

    test('GET /v1/buildings/{batid}/dpe: every certificate in date order, the renovations, the card agrees', async () => {
      const t = truth.find((x) => x.kind === 'renovation')!;
      const [b] = await store.query<{ batid: string }>(
        `SELECT batid FROM batid.building WHERE batiment_groupe_id = $1 AND status = 'constructed' ORDER BY batid LIMIT 1`,
        [t.bg],
      );
      const r = await get(`/v1/buildings/${b!.batid}/dpe`);
      assert.equal(r.statusCode, 200);
      const h = r.json();
      const [count] = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bdnb.rel_batiment_groupe_dpe_logement WHERE code_departement_insee = '03' AND batiment_groupe_id = $1`,
        [t.bg],
      );
      assert.equal(h.certificats.length, count!.n);
      const dates = h.certificats.map((c: { date_etablissement_dpe: string }) => c.date_etablissement_dpe);
      assert.deepEqual(dates, [...dates].sort());
      for (const c of h.certificats) {
        assert.ok(['2021', 'avant 2021'].includes(c.methode));
        assert.ok(c.classe_bilan_dpe && typeof c.conso_5_usages_ep_m2 === 'number');
        if (c.methode === '2021') assert.match(c.classe_facteur_2026, /^[A-G]$/);
        else assert.equal(c.classe_facteur_2026, null);
      }
      const ren = h.renovations.find((x: { dpe_avant: string }) => x.dpe_avant === t.before);
      assert.ok(ren, 'the true renovation is listed');
      assert.equal(ren.dpe_apres, t.after);
      assert.ok(ren.gain_classes_travaux >= 1);
      assert.ok(Array.isArray(ren.changements));

      const card = (await get(`/v1/buildings/${b!.batid}`)).json();
      assert.equal(card.sections.dpe_logements.rows.length, h.certificats.length);
      assert.deepEqual(card.sections.renovations.source, ['renovation.renovation']);
      assert.equal(card.sections.renovations.rows.length, h.renovations.length);
      assert.equal(card.sections.renovations.millesime, '2024-10');

      assert.equal((await get('/v1/buildings/not-a-batid/dpe')).statusCode, 400);
      assert.equal((await get('/v1/buildings/ZZZZZZZZZZZZ/dpe')).statusCode, 404);
    });

    test('oracle: every indicator of one commune equals a plain SQL recomputation (now and as of 2023)', async () => {
      const [top] = await store.query<{ c: string }>(
        `SELECT g.code_commune_insee AS c FROM renovation.renovation r
           JOIN bdnb.batiment_groupe g ON g.code_departement_insee = r.code_departement_insee AND g.batiment_groupe_id = r.batiment_groupe_id
          GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
      );
      const commune = top!.c;
      const [alt] = await store.query<{ m: number }>(
        `SELECT coalesce(max(altitude_sol_mean), 0)::float8 AS m FROM bdnb.batiment_groupe_bdtopo_bat`,
      );
      assert.ok(alt!.m <= 800, 'no altitude bounds in this département (the oracle does not model them)');
      for (const year of [null, 2023]) {
        const r = await get(`/v1/indicators?level=commune&code=${commune}${year ? `&year=${year}` : ''}`);
        assert.equal(r.statusCode, 200);
        const body = r.json();
        assert.equal(body.results.length, 1);
        const api = body.results[0] as TerritoryIndicators;
        assert.equal(api.code, commune);
        const o = await oracle(store, commune, year);
        assert.ok(o.batiments_avec_dpe > 0 && o.renovations.n > 0, 'the commune has DPE and renovations');
        compare(api, o, `commune ${commune}${year ? ` in ${year}` : ''}`);
      }
    });

    test('territories add up: communes → EPCI → département, IRIS → commune', async () => {
      const all = async (level: string) =>
        (await get(`/v1/indicators?level=${level}`)).json().results as TerritoryIndicators[];
      const [communes, epcis, depts, irises] = await Promise.all([
        all('commune'),
        all('epci'),
        all('departement'),
        all('iris'),
      ]);
      assert.equal(depts.length, 1);
      assert.ok(
        depts[0]!.dpe.changement_etiquette_facteur_2026.batiments > 0,
        'some labels change with the 2026 factor',
      );
      const total = (rows: TerritoryIndicators[], f: (r: TerritoryIndicators) => number) =>
        rows.reduce((n, r) => n + f(r), 0);
      const figures: ((r: TerritoryIndicators) => number)[] = [
        (r) => r.batiments.total,
        (r) => r.batiments.logements,
        (r) => r.dpe.batiments_avec_dpe,
        (r) => r.dpe.passoires_f_g.logements,
        (r) => r.renovations.total,
        (r) => r.logement_social.logements,
        (r) => r.chauffage.installation.collectif,
      ];
      for (const f of figures) {
        assert.equal(total(communes, f), f(depts[0]!));
        assert.equal(total(epcis, f), f(depts[0]!));
        assert.equal(total(irises, f), f(depts[0]!));
      }
      // a share re-aggregated from its parts
      const ff = total(communes, (r) => r.dpe.passoires_f_g.part_batiments.n);
      const sur = total(communes, (r) => r.dpe.passoires_f_g.part_batiments.sur);
      assert.equal(depts[0]!.dpe.passoires_f_g.part_batiments.part, Math.round((ff / sur) * 10000) / 10000);
    });

    test('batid indicators: JSON and CSV, bad input explained', async () => {
      const conn = db.backend.connection();
      const dbArgs = conn.databaseUrl ? ['--database-url', conn.databaseUrl] : ['--db', conn.dbDir!];
      const run = async (...args: string[]) => {
        let out = '';
        const status = await runIndicators([...args, ...dbArgs], (t) => (out += t));
        return { status, out };
      };
      const api = (await get('/v1/indicators?level=iris')).json();
      const json = await run('--level', 'iris');
      assert.equal(json.status, 0);
      assert.deepEqual(JSON.parse(json.out), api);
      const csv = await run('--level', 'commune', '--year', '2024', '--format', 'csv');
      assert.equal(csv.status, 0);
      const lines = csv.out.trimEnd().split('\n');
      const header = lines[0]!.split(',');
      assert.ok(header.includes('dpe.etiquettes.F.batiments'));
      assert.ok(header.includes('renovations.par_annee.2024.total'));
      const communes = (await get('/v1/indicators?level=commune&year=2024')).json().results;
      assert.equal(lines.length - 1, communes.length);
      const http = await get('/v1/indicators?level=commune&year=2024&format=csv');
      assert.equal(http.statusCode, 200);
      assert.match(String(http.headers['content-type']), /text\/csv/);
      assert.equal(http.body, csv.out);
      assert.equal((await run('--level', 'region')).status, 2);
      assert.equal((await run('--level', 'commune', '--code', '3185')).status, 2);
      assert.equal((await run('--level', 'commune', '--year', '24')).status, 2);
      const bad = await get('/v1/indicators?level=iris&code=123');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'invalid_territory');
      assert.equal((await get('/v1/indicators?level=canton')).statusCode, 400);
    });

    test('the next millésime (synth --evolve-from): new certificates, histories derived again, scored against its truth', async () => {
      const next = join(db.dir, 'next');
      await evolve({ from: db.export, out: next, seed: 2 });
      const [before] = await store.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM renovation.renovation',
      );
      await importBdnb(store, BDNB_TABLES, {
        paths: [next],
        millesime: '2025-10',
        rejectsPath: join(db.dir, 'r3.csv'),
      });
      const nextTruth = await readTruth(next);
      const found = await store.query<{ bg: string; b: string; a: string }>(
        `SELECT batiment_groupe_id AS bg, dpe_avant AS b, dpe_apres AS a FROM renovation.renovation`,
      );
      assert.ok(found.length > before!.n, `more renovations after a year (${before!.n} → ${found.length})`);
      const detected = new Set(found.map((r) => pairKey(r.bg, r.b, r.a)));
      const real = new Set(
        nextTruth.filter((t) => t.kind === 'renovation').map((t) => pairKey(t.bg, t.before, t.after)),
      );
      const tp = [...detected].filter((k) => real.has(k)).length;
      const [precision, recall] = [tp / detected.size, tp / real.size];
      console.log(
        `renovation detection, next millésime [${db.backend.name}]: ${detected.size} detected, ${real.size} true, ` +
          `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`,
      );
      assert.ok(precision >= 0.95 && recall >= 0.95, `precision ${precision}, recall ${recall}`);
      for (const t of nextTruth.filter((x) => x.kind !== 'renovation'))
        assert.ok(!detected.has(pairKey(t.bg, t.before, t.after)), `${t.kind} ${t.before} → ${t.after}`);
    });

    test('re-importing the certificates derives the same histories (no duplicate, nothing stale)', async () => {
      const snapshot = async () =>
        store.query(
          `SELECT (SELECT count(*)::int FROM renovation.dpe) AS dpe, (SELECT count(*)::int FROM renovation.renovation) AS renovations,
                  (SELECT md5(string_agg(batiment_groupe_id || dpe_avant || dpe_apres || classe_apres, ',' ORDER BY batiment_groupe_id, dpe_avant, dpe_apres)) FROM renovation.renovation) AS h`,
        );
      const before = await snapshot();
      await importBdnb(store, BDNB_TABLES, {
        paths: ['dpe_logement.csv', 'rel_batiment_groupe_dpe_logement.csv'].map((f) =>
          join(db.dir, 'next', f),
        ),
        millesime: '2025-10',
        rejectsPath: join(db.dir, 'r2.csv'),
      });
      assert.deepEqual(await snapshot(), before);
    });
  });
}
