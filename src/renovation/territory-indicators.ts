/**
 * Territory indicators of renovation policy (issue 6, domain.md §4) at commune, EPCI, IRIS or
 * département level, optionally for one year. Counts, never bare shares: every share comes with
 * its numerator and denominator (`{part, n, sur}`) so territories can be re-aggregated.
 *
 * Sources and units:
 * - a "bâtiment" is a BDNB building group (bdnb.batiment_groupe, territory codes from it);
 *   "logements" are the group's dwellings (batiment_groupe_ffo_bat.nb_log); both read from
 *   renovation.batiment, one narrow row per group derived at import with its current state;
 * - a building's DPE label is that of its latest valid 2021-method certificate (renovation.dpe,
 *   derived from dpe_logement at import): established on or before 31 Dec of `year` when a year is
 *   given; corrected certificates never count; its heating energy and installation come with it;
 * - renovations: renovation.renovation, by the year of the certificate after the works;
 * - social housing: batiment_groupe_rpls; metered consumption: the DLE multi-millésime tables,
 *   the millésime `year` or else the latest; permits: SITADEL through the buildings' parcels,
 *   each permit once per territory, by year of authorisation.
 */
import { deptOfCommune, normaliseDept } from '../ingest/dept.js';
import type { Store } from '../store/store.js';
import { DPE_CLASSES } from './dpe-class.js';

export const TERRITORY_LEVELS = ['commune', 'epci', 'iris', 'departement'] as const;
export type TerritoryLevel = (typeof TERRITORY_LEVELS)[number];

export class IndicatorInputError extends Error {}

export interface IndicatorQuery {
  level: TerritoryLevel;
  code?: string;
  year?: number;
}

/** The territory code of a building group in renovation.batiment (src/renovation/derive-renovations.ts). */
const TERRITORY: Record<TerritoryLevel, string> = {
  commune: 'b.code_commune_insee',
  epci: 'b.code_epci_insee',
  iris: 'b.code_iris',
  departement: 'b.code_departement_insee',
};

/** A share with what it is made of. */
export interface Share {
  part: number | null;
  n: number;
  sur: number;
}
export const share = (n: number, sur: number): Share => ({
  part: sur > 0 ? Math.round((n / sur) * 10000) / 10000 : null,
  n,
  sur,
});

type Counts = { batiments: number; logements: number };
const counts = (): Counts => ({ batiments: 0, logements: 0 });
const byClass = () => Object.fromEntries(DPE_CLASSES.map((c) => [c, counts()])) as Record<string, Counts>;

export interface TerritoryIndicators {
  niveau: TerritoryLevel;
  code: string;
  libelle: string | null;
  annee: number | null;
  batiments: { total: number; residentiels: number; logements: number };
  dpe: {
    batiments_avec_dpe: number;
    logements_avec_dpe: number;
    couverture_batiments_residentiels: Share;
    couverture_logements: Share;
    etiquettes: Record<string, Counts>;
    etiquettes_facteur_2026: Record<string, Counts>;
    passoires_f_g: Counts & { part_batiments: Share; part_logements: Share };
    passoires_f_g_facteur_2026: Counts & { part_batiments: Share; part_logements: Share };
    g_plus: { batiments: number; part_batiments: Share };
    changement_etiquette_facteur_2026: { batiments: number; part_batiments: Share };
  };
  chauffage: {
    sur_batiments_avec_dpe: number;
    energie: Record<string, number>;
    installation: { collectif: number; individuel: number; inconnu: number };
  };
  renovations: {
    total: number;
    performantes: number;
    batiments_renoves: number;
    batiments_suivis: number;
    part_batiments_renoves: Share;
    par_annee: Record<string, { total: number; performantes: number }>;
    par_transition: Record<string, number>;
  };
  logement_social: { batiments: number; logements: number; etiquettes: Record<string, number> };
  consommation_mesuree: Record<
    string,
    {
      millesime: string | null;
      batiments: number;
      points_de_livraison: number;
      conso_totale_kwh: number;
      mediane_kwh_par_logement: number | null;
    }
  >;
  permis: {
    total: number;
    logements_crees: number;
    logements_demolis: number;
    constructions_neuves: number;
    extensions: number;
    demolitions: number;
  };
}

/** A territory with nothing imported in it: every count 0. */
export function emptyRow(level: TerritoryLevel, code: string, year: number | null): TerritoryIndicators {
  const ff = () => ({ ...counts(), part_batiments: share(0, 0), part_logements: share(0, 0) });
  return {
    niveau: level,
    code,
    libelle: null,
    annee: year,
    batiments: { total: 0, residentiels: 0, logements: 0 },
    dpe: {
      batiments_avec_dpe: 0,
      logements_avec_dpe: 0,
      couverture_batiments_residentiels: share(0, 0),
      couverture_logements: share(0, 0),
      etiquettes: byClass(),
      etiquettes_facteur_2026: byClass(),
      passoires_f_g: ff(),
      passoires_f_g_facteur_2026: ff(),
      g_plus: { batiments: 0, part_batiments: share(0, 0) },
      changement_etiquette_facteur_2026: { batiments: 0, part_batiments: share(0, 0) },
    },
    chauffage: {
      sur_batiments_avec_dpe: 0,
      energie: {},
      installation: { collectif: 0, individuel: 0, inconnu: 0 },
    },
    renovations: {
      total: 0,
      performantes: 0,
      batiments_renoves: 0,
      batiments_suivis: 0,
      part_batiments_renoves: share(0, 0),
      par_annee: {},
      par_transition: {},
    },
    logement_social: { batiments: 0, logements: 0, etiquettes: {} },
    consommation_mesuree: {},
    permis: {
      total: 0,
      logements_crees: 0,
      logements_demolis: 0,
      constructions_neuves: 0,
      extensions: 0,
      demolitions: 0,
    },
  };
}

/** The départements a territory code lies in (null: any, e.g. an EPCI or every territory). */
function deptsOf(q: IndicatorQuery): string[] | null {
  if (!q.code) return null;
  switch (q.level) {
    case 'departement': {
      const d = normaliseDept(q.code);
      if (!d)
        throw new IndicatorInputError(`code: ${q.code} is not a département code (01…95, 2A, 2B, 971…976)`);
      return [d];
    }
    case 'commune':
    case 'iris': {
      const ok = q.level === 'commune' ? /^[0-9][0-9AB][0-9]{3}$/ : /^[0-9][0-9AB][0-9]{7}$/;
      if (!ok.test(q.code))
        throw new IndicatorInputError(
          `code: expected ${q.level === 'commune' ? 'a 5-character INSEE commune code' : 'a 9-character IRIS code'}, got ${q.code}`,
        );
      const d = deptOfCommune(q.code.slice(0, 5));
      return d ? [d] : null;
    }
    case 'epci':
      if (!/^[0-9]{9}$/.test(q.code))
        throw new IndicatorInputError(`code: expected a 9-digit EPCI SIREN, got ${q.code}`);
      return null;
  }
}

/**
 * The buildings of the territories asked, from renovation.batiment (one narrow row per group,
 * derived at import): `$1` départements (text[] or null), `$2` code (or null). Every query below
 * starts from it, so a territory in one département reads one partition's rows.
 */
function groupsCte(level: TerritoryLevel): string {
  const t = TERRITORY[level];
  return `g AS (
    SELECT b.*, b.code_departement_insee AS d, b.batiment_groupe_id AS bg, ${t} AS t,
           $3::date AS as_of, $4::int AS year -- every query takes the same four parameters
      FROM renovation.batiment b
     WHERE ($1::text[] IS NULL OR b.code_departement_insee = ANY($1::text[]))
       AND ($2::text IS NULL OR ${t} = $2::text) AND ${t} IS NOT NULL)`;
}

/** The département filter of a derived or BDNB table aliased `x`. */
const deptFilter = (x: string) => `($1::text[] IS NULL OR ${x}.code_departement_insee = ANY($1::text[]))`;

/** Today's stock: the state each group's row holds (with the followed and renovated ones). */
const STOCK_NOW_SQL = (level: TerritoryLevel) => `
  WITH ${groupsCte(level)}
  SELECT g.t, g.classe_bilan_dpe AS c, g.classe_facteur_2026 AS c26, g.g_plus, g.type_energie_chauffage AS e,
         g.type_installation_chauffage AS i, count(*)::int AS n, count(*) FILTER (WHERE g.nb_log > 0)::int AS res,
         coalesce(sum(g.nb_log), 0)::int AS logements,
         count(*) FILTER (WHERE g.suivi)::int AS suivis, count(*) FILTER (WHERE g.renove)::int AS renoves
    FROM g GROUP BY 1, 2, 3, 4, 5, 6`;

/** The stock on 31 December of a year: each group's latest valid 2021-method certificate by then. */
const STOCK_AT_SQL = (level: TerritoryLevel) => `
  WITH ${groupsCte(level)},
  cur AS (
    SELECT DISTINCT ON (x.code_departement_insee, x.batiment_groupe_id)
           x.code_departement_insee AS d, x.batiment_groupe_id AS bg, x.classe_bilan_dpe AS c,
           x.classe_facteur_2026 AS c26, x.g_plus, x.type_energie_chauffage AS e, x.type_installation_chauffage AS i
      FROM renovation.dpe x
     WHERE ${deptFilter('x')} AND x.methode_2021 AND x.remplace_par IS NULL AND x.classe_bilan_dpe IS NOT NULL
       AND x.date_etablissement_dpe <= $3::date
     ORDER BY x.code_departement_insee, x.batiment_groupe_id, x.date_etablissement_dpe DESC NULLS LAST, x.identifiant_dpe DESC)
  SELECT g.t, cur.c, cur.c26, cur.g_plus, cur.e, cur.i,
         count(*)::int AS n, count(*) FILTER (WHERE g.nb_log > 0)::int AS res, coalesce(sum(g.nb_log), 0)::int AS logements
    FROM g LEFT JOIN cur ON cur.d = g.d AND cur.bg = g.bg
   GROUP BY 1, 2, 3, 4, 5, 6`;

const RENOVATIONS_SQL = (level: TerritoryLevel) => `
  WITH ${groupsCte(level)}
  SELECT g.t, extract(year FROM r.date_apres)::int AS y, r.classe_avant, r.classe_apres, r.performante,
         count(*)::int AS n, count(DISTINCT r.batiment_groupe_id)::int AS bats
    FROM g JOIN renovation.renovation r ON r.code_departement_insee = g.d AND r.batiment_groupe_id = g.bg
   WHERE ($4::int IS NULL OR extract(year FROM r.date_apres) = $4::int)
   GROUP BY 1, 2, 3, 4, 5`;

/** Buildings followed (two valid 2021 DPE or more) by then, and renovated in the year. */
const FOLLOWED_AT_SQL = (level: TerritoryLevel) => `
  WITH ${groupsCte(level)},
  followed AS (
    SELECT x.code_departement_insee AS d, x.batiment_groupe_id AS bg
      FROM renovation.dpe x
     WHERE ${deptFilter('x')} AND x.methode_2021 AND x.remplace_par IS NULL AND x.date_etablissement_dpe <= $3::date
     GROUP BY 1, 2 HAVING count(*) >= 2),
  renovated AS (
    SELECT DISTINCT r.code_departement_insee AS d, r.batiment_groupe_id AS bg
      FROM renovation.renovation r
     WHERE ${deptFilter('r')} AND extract(year FROM r.date_apres) = $4::int)
  SELECT g.t, count(f.bg)::int AS suivis, count(r.bg)::int AS renoves
    FROM g LEFT JOIN followed f ON f.d = g.d AND f.bg = g.bg LEFT JOIN renovated r ON r.d = g.d AND r.bg = g.bg
   GROUP BY 1`;

const SOCIAL_SQL = (level: TerritoryLevel) => `
  WITH ${groupsCte(level)}
  SELECT g.t, s.classe_ener_principale AS c, count(*)::int AS bats, coalesce(sum(s.nb_log), 0)::int AS logements
    FROM g JOIN bdnb.batiment_groupe_rpls s ON s.code_departement_insee = g.d AND s.batiment_groupe_id = g.bg
   GROUP BY 1, 2`;

export const DLE_TABLES = {
  electricite: 'batiment_groupe_dle_elec_multimillesime',
  gaz: 'batiment_groupe_dle_gaz_multimillesime',
  reseau_chaleur: 'batiment_groupe_dle_reseaux_multimillesime',
} as const;

/** $4: the year; else the latest millésime of the table in the départements asked. */
const DLE_SQL = (level: TerritoryLevel, table: string) => `
  WITH ${groupsCte(level)},
  m AS (SELECT coalesce($4::int::text, (SELECT max(x.millesime) FROM bdnb.${table} x WHERE ${deptFilter('x')})) AS millesime)
  SELECT g.t, m.millesime, count(*)::int AS bats, sum(x.nb_pdl_res)::float8 AS pdl, sum(x.conso_res)::float8 AS conso,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY x.conso_res / x.nb_pdl_res)::float8 AS mediane
    FROM g CROSS JOIN m
    JOIN bdnb.${table} x ON x.code_departement_insee = g.d AND x.batiment_groupe_id = g.bg AND x.millesime = m.millesime
   WHERE x.nb_pdl_res > 0 AND x.conso_res IS NOT NULL
   GROUP BY 1, 2`;

const PERMITS_SQL = (level: TerritoryLevel) => `
  WITH ${groupsCte(level)},
  -- from the permits (few) to their groups through the parcels, then to the territories
  permits AS MATERIALIZED (
    SELECT bp.code_departement_insee AS d, bp.batiment_groupe_id AS bg, s.numero_permis, s.nature_projet,
           s.nb_logements_crees, s.nb_logements_demolis
      FROM bdnb.sitadel s
      JOIN bdnb.rel_parcelle_sitadel ps ON ps.code_departement_insee = s.code_departement_insee AND ps.numero_permis = s.numero_permis
      JOIN bdnb.rel_batiment_groupe_parcelle bp ON bp.code_departement_insee = ps.code_departement_insee AND bp.parcelle_id = ps.parcelle_id
     WHERE ${deptFilter('s')} AND ($4::int IS NULL OR extract(year FROM s.date_autorisation) = $4::int)),
  p AS (
    SELECT DISTINCT g.t, x.numero_permis, x.nature_projet, x.nb_logements_crees, x.nb_logements_demolis
      FROM permits x JOIN g ON g.d = x.d AND g.bg = x.bg)
  SELECT t, count(*)::int AS n, coalesce(sum(nb_logements_crees), 0)::int AS crees,
         coalesce(sum(nb_logements_demolis), 0)::int AS demolis,
         count(*) FILTER (WHERE nature_projet ILIKE '%neuv%')::int AS neuves,
         count(*) FILTER (WHERE nature_projet ILIKE '%extension%')::int AS extensions,
         count(*) FILTER (WHERE nature_projet ILIKE '%d_molition%')::int AS demolitions
    FROM p GROUP BY 1`;

const LABEL_SQL: Record<TerritoryLevel, string> = {
  commune: `SELECT b.code_commune_insee AS t, max(b.libelle_commune_insee) AS l FROM renovation.batiment b
             WHERE ${deptFilter('b')} AND ($2::text IS NULL OR b.code_commune_insee = $2::text)
             GROUP BY 1`,
  epci: `SELECT x.code_epci_insee AS t, max(x.libelle_epci) AS l FROM bdnb.referentiel_administratif_epci x
          WHERE ${deptFilter('x')} AND ($2::text IS NULL OR x.code_epci_insee = $2::text) GROUP BY 1`,
  iris: `SELECT x.code_iris AS t, max(x.libelle_iris) AS l FROM bdnb.referentiel_administratif_iris x
          WHERE ${deptFilter('x')} AND ($2::text IS NULL OR x.code_iris = $2::text) GROUP BY 1`,
  departement: `SELECT x.code_departement_insee AS t, max(x.libelle_departement) AS l FROM bdnb.referentiel_administratif_departement x
                 WHERE ${deptFilter('x')} AND ($2::text IS NULL OR x.code_departement_insee = $2::text) GROUP BY 1`,
};

const PASSOIRES = new Set(['F', 'G']);

/** The indicators of every territory of the level (or of the one `code`), sorted by code. */
export async function territoryIndicators(store: Store, q: IndicatorQuery): Promise<TerritoryIndicators[]> {
  if (q.year !== undefined && !(Number.isInteger(q.year) && q.year >= 1900 && q.year <= 2100))
    throw new IndicatorInputError(`year: expected a year such as 2024, got ${q.year}`);
  const depts = deptsOf(q);
  const year = q.year ?? null;
  const params = [depts, q.code ?? null, year === null ? null : `${year}-12-31`, year];
  const L = q.level;
  const [stock, renovations, followed, social, permits, labels, ...dle] = await Promise.all([
    store.query<Record<string, unknown>>((year === null ? STOCK_NOW_SQL : STOCK_AT_SQL)(L), params),
    store.query<Record<string, unknown>>(RENOVATIONS_SQL(L), params),
    // today's followed and renovated buildings come with the stock rows
    year === null ? [] : store.query<Record<string, unknown>>(FOLLOWED_AT_SQL(L), params),
    store.query<Record<string, unknown>>(SOCIAL_SQL(L), params),
    store.query<Record<string, unknown>>(PERMITS_SQL(L), params),
    store.query<{ t: string; l: string | null }>(LABEL_SQL[L], params.slice(0, 2)),
    ...Object.values(DLE_TABLES).map((t) => store.query<Record<string, unknown>>(DLE_SQL(L, t), params)),
  ]);
  const rows = new Map<string, TerritoryIndicators>();
  const row = (t: unknown) => {
    const k = String(t);
    let r = rows.get(k);
    if (!r) rows.set(k, (r = emptyRow(L, k, year)));
    return r;
  };
  const n = (v: unknown) => Number(v ?? 0);

  for (const s of stock) {
    const r = row(s.t);
    const [bats, res, logs] = [n(s.n), n(s.res), n(s.logements)];
    r.renovations.batiments_suivis += n(s.suivis);
    r.renovations.batiments_renoves += n(s.renoves);
    r.batiments.total += bats;
    r.batiments.residentiels += res;
    r.batiments.logements += logs;
    const c = s.c as string | null;
    if (c === null) continue;
    r.dpe.batiments_avec_dpe += bats;
    r.dpe.logements_avec_dpe += logs;
    const add = (x: Counts) => {
      x.batiments += bats;
      x.logements += logs;
    };
    if (r.dpe.etiquettes[c]) add(r.dpe.etiquettes[c]);
    const c26 = (s.c26 as string | null) ?? c;
    if (r.dpe.etiquettes_facteur_2026[c26]) add(r.dpe.etiquettes_facteur_2026[c26]);
    if (PASSOIRES.has(c)) add(r.dpe.passoires_f_g);
    if (PASSOIRES.has(c26)) add(r.dpe.passoires_f_g_facteur_2026);
    if (s.g_plus === true) r.dpe.g_plus.batiments += bats;
    if (c26 !== c) r.dpe.changement_etiquette_facteur_2026.batiments += bats;
    const e = (s.e as string | null) ?? 'inconnue';
    r.chauffage.energie[e] = (r.chauffage.energie[e] ?? 0) + bats;
    const i = s.i === 'collectif' || s.i === 'individuel' ? s.i : 'inconnu';
    r.chauffage.installation[i] += bats;
    r.chauffage.sur_batiments_avec_dpe += bats;
  }
  for (const s of renovations) {
    const r = row(s.t);
    const k = n(s.n);
    const perf = s.performante === true ? k : 0;
    r.renovations.total += k;
    r.renovations.performantes += perf;
    const y = String(s.y);
    const py = (r.renovations.par_annee[y] ??= { total: 0, performantes: 0 });
    py.total += k;
    py.performantes += perf;
    const tr = `${String(s.classe_avant)}→${String(s.classe_apres)}`;
    r.renovations.par_transition[tr] = (r.renovations.par_transition[tr] ?? 0) + k;
  }
  for (const s of followed) {
    const r = row(s.t);
    r.renovations.batiments_suivis += n(s.suivis);
    r.renovations.batiments_renoves += n(s.renoves);
  }
  for (const s of social) {
    const r = row(s.t);
    r.logement_social.batiments += n(s.bats);
    r.logement_social.logements += n(s.logements);
    const c = (s.c as string | null) ?? 'sans étiquette';
    r.logement_social.etiquettes[c] = (r.logement_social.etiquettes[c] ?? 0) + n(s.logements);
  }
  Object.keys(DLE_TABLES).forEach((energy, k) => {
    for (const s of dle[k]!)
      row(s.t).consommation_mesuree[energy] = {
        millesime: (s.millesime as string | null) ?? null,
        batiments: n(s.bats),
        points_de_livraison: Math.round(n(s.pdl)),
        conso_totale_kwh: Math.round(n(s.conso)),
        mediane_kwh_par_logement: s.mediane === null ? null : Math.round(n(s.mediane)),
      };
  });
  for (const s of permits) {
    const p = row(s.t).permis;
    p.total = n(s.n);
    p.logements_crees = n(s.crees);
    p.logements_demolis = n(s.demolis);
    p.constructions_neuves = n(s.neuves);
    p.extensions = n(s.extensions);
    p.demolitions = n(s.demolitions);
  }
  for (const l of labels) if (rows.has(String(l.t))) row(l.t).libelle = l.l;
  const out = [...rows.values()].sort((a, b) => a.code.localeCompare(b.code));
  // the same keys in every row (0 where a territory has none), so CSV columns line up
  const sameKeys = (get: (r: TerritoryIndicators) => Record<string, unknown>, zero: () => unknown) => {
    const keys = [...new Set(out.flatMap((r) => Object.keys(get(r))))].sort();
    for (const r of out) {
      const o = get(r);
      const filled = Object.fromEntries(keys.map((k) => [k, o[k] ?? zero()]));
      for (const k of Object.keys(o)) delete o[k];
      Object.assign(o, filled);
    }
  };
  sameKeys(
    (r) => r.chauffage.energie,
    () => 0,
  );
  sameKeys(
    (r) => r.renovations.par_annee,
    () => ({ total: 0, performantes: 0 }),
  );
  sameKeys(
    (r) => r.renovations.par_transition,
    () => 0,
  );
  sameKeys(
    (r) => r.logement_social.etiquettes,
    () => 0,
  );
  for (const r of out) finishShares(r);
  return out;
}

function finishShares(r: TerritoryIndicators): void {
  const d = r.dpe;
  const [withDpe, dwellingsWithDpe] = [d.batiments_avec_dpe, d.logements_avec_dpe];
  d.couverture_batiments_residentiels = share(withDpe, r.batiments.residentiels);
  d.couverture_logements = share(dwellingsWithDpe, r.batiments.logements);
  for (const ff of [d.passoires_f_g, d.passoires_f_g_facteur_2026]) {
    ff.part_batiments = share(ff.batiments, withDpe);
    ff.part_logements = share(ff.logements, dwellingsWithDpe);
  }
  d.g_plus.part_batiments = share(d.g_plus.batiments, withDpe);
  d.changement_etiquette_facteur_2026.part_batiments = share(
    d.changement_etiquette_facteur_2026.batiments,
    withDpe,
  );
  r.renovations.part_batiments_renoves = share(
    r.renovations.batiments_renoves,
    r.renovations.batiments_suivis,
  );
}
