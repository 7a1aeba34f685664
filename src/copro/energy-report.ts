/**
 * The yearly report of an energy record: bills computed per year (src/copro/energy.ts) with the
 * département's degree days and the heat network's CO₂ content, compared with the building's
 * DPE and its metered consumption (DLE), before/after each recorded renovation.
 */
import type { Queryable } from '../store/store.js';
import { degreeDaysForYears } from './degree-days.js';
import {
  beforeAfter,
  computeYears,
  HEAT_NETWORK_DEFAULT_CO2,
  type BeforeAfter,
  type YearDegreeDays,
} from './energy.js';
import type { EnergyReport } from './api-types.js';
import type { BuildingPlace, EnergyRecord } from './record-service.js';

export type { EnergyReport } from './api-types.js';

interface NetworkRow {
  id_fcu: number;
  name: string | null;
  co2: number | null;
}

export async function energyReport(
  db: Queryable,
  rec: EnergyRecord,
  place: BuildingPlace,
): Promise<EnergyReport> {
  let reseau: EnergyReport['reseau'] = null;
  if (rec.reseau_id_fcu !== null) {
    const [n] = await db.query<NetworkRow>(
      `SELECT id_fcu, name, co2 FROM fcu.network WHERE id_fcu = $1 AND layer = 'reseau_de_chaleur' LIMIT 1`,
      [rec.reseau_id_fcu],
    );
    if (n)
      reseau = {
        id_fcu: n.id_fcu,
        name: n.name,
        co2_kg_kwh: n.co2 ?? HEAT_NETWORK_DEFAULT_CO2,
        source:
          n.co2 === null
            ? 'contenu CO2 du réseau inconnu : valeur par défaut 0,385 kg/kWh'
            : 'contenu CO2 du réseau (France Chaleur Urbaine, arrêté DPE)',
      };
  }
  const years = [...new Set(rec.bills.map((b) => b.year))];
  const dd = await degreeDaysForYears(db, rec.code_departement_insee, years);
  // the reference is reported only when there is a year to correct (as before)
  const reference = years.length ? dd.reference : null;
  const yearValues: Record<string, { dju: number; source: string }> = {};
  for (const [y, v] of dd.years) yearValues[y] = { dju: v.dju, source: v.source };
  const dju = (y: number): YearDegreeDays => ({
    dju_year: dd.years.get(y)?.dju ?? null,
    dju_reference: reference?.dju ?? null,
    source_year: dd.years.get(y)?.source,
    source_reference: reference?.source,
  });
  const networkCo2 = reseau?.co2_kg_kwh ?? null;
  const computed = computeYears(rec.bills, (y) => ({
    surface_m2: rec.heated_surface_m2,
    network_co2: networkCo2,
    dju: dju(y),
  }));

  const bg = place.batiment_groupe_id;
  const dpe = bg ? await dpeSummary(db, place.dept, bg) : null;
  const dle = bg ? await metered(db, place.dept, bg) : [];

  const works: { date: string; label: string; source: BeforeAfter['source'] }[] = rec.works.map((w) => ({
    date: w.date_fin,
    label: w.description || 'travaux',
    source: 'travaux saisis',
  }));
  for (const p of await db.query<{ date: string; title: string }>(
    `SELECT s.date::text AS date, p.title FROM copro.project p
       JOIN copro.project_stage s ON s.project_id = p.id AND s.stage = 'travaux_realises'
      WHERE p.batid = $1 ORDER BY s.date`,
    [rec.batid],
  ))
    works.push({ date: p.date, label: p.title || 'projet de rénovation', source: 'projet' });
  if (bg)
    for (const r of await db.query<{ date: string; label: string }>(
      `SELECT date_apres::text AS date, classe_avant || ' → ' || classe_apres AS label FROM renovation.renovation
        WHERE code_departement_insee = $1 AND batiment_groupe_id = $2 AND date_apres IS NOT NULL AND gain_classes_travaux > 0
        ORDER BY date_apres`,
      [place.dept, bg],
    ))
      works.push({
        date: r.date,
        label: `rénovation détectée (DPE ${r.label})`,
        source: 'DPE (rénovation détectée)',
      });
  const seen = new Set<string>();
  const before_after = works
    .filter((w) => !seen.has(`${w.date}|${w.source}`) && seen.add(`${w.date}|${w.source}`))
    .map((w) => beforeAfter(computed, w));

  return {
    batid: rec.batid,
    name: rec.name,
    heated_surface_m2: rec.heated_surface_m2,
    reseau,
    co2_heat_network_kg_kwh: networkCo2 ?? HEAT_NETWORK_DEFAULT_CO2,
    years: computed,
    degree_days: {
      reference: reference?.dju ?? null,
      source_reference: reference?.source ?? null,
      years: yearValues,
    },
    comparison: {
      dpe,
      dle,
      note:
        'Le DPE est une consommation conventionnelle (5 usages, tous logements) ; les factures couvrent les usages saisis. ' +
        'Les consommations mesurées (DLE) couvrent tous les points de livraison du bâtiment, parties privatives comprises.',
    },
    before_after,
  };
}

async function dpeSummary(
  db: Queryable,
  dept: string,
  bg: string,
): Promise<EnergyReport['comparison']['dpe']> {
  const [r] = await db.query<{
    classe_bilan_dpe: string | null;
    classe_facteur_2026: string | null;
    ep: number | null;
    n: number;
    last: string | null;
  }>(
    `WITH latest AS (
       SELECT DISTINCT ON (logement) conso_5_usages_ep_m2, date_etablissement_dpe
         FROM renovation.dpe
        WHERE code_departement_insee = $1 AND batiment_groupe_id = $2 AND methode_2021 AND remplace_par IS NULL
        ORDER BY logement, date_etablissement_dpe DESC NULLS LAST, identifiant_dpe DESC)
     SELECT rb.classe_bilan_dpe, rb.classe_facteur_2026,
            (SELECT round(avg(conso_5_usages_ep_m2)::numeric, 1)::float8 FROM latest) AS ep,
            (SELECT count(*) FROM latest)::int AS n,
            (SELECT max(date_etablissement_dpe)::text FROM latest) AS last
       FROM (SELECT 1) one
       LEFT JOIN renovation.batiment rb ON rb.code_departement_insee = $1 AND rb.batiment_groupe_id = $2`,
    [dept, bg],
  );
  if (!r || (r.n === 0 && r.classe_bilan_dpe === null)) return null;
  return {
    classe_bilan_dpe: r.classe_bilan_dpe,
    classe_facteur_2026: r.classe_facteur_2026,
    conso_5_usages_ep_m2_moyenne: r.ep,
    nb_dpe: r.n,
    date_dernier_dpe: r.last,
    source: 'BDNB dpe_logement (ADEME), dernier DPE 2021 valide de chaque logement',
  };
}

async function metered(db: Queryable, dept: string, bg: string): Promise<EnergyReport['comparison']['dle']> {
  const parts = (['gaz', 'elec', 'reseaux'] as const).map(
    (t) =>
      `SELECT millesime, '${t === 'elec' ? 'electricite' : t === 'reseaux' ? 'reseau_chaleur' : 'gaz'}' AS energie,
              conso_tot AS conso_tot_kwh, nb_pdl_tot AS nb_pdl
         FROM bdnb.batiment_groupe_dle_${t}_multimillesime
        WHERE code_departement_insee = $1 AND batiment_groupe_id = $2 AND conso_tot IS NOT NULL`,
  );
  return db.query(`${parts.join(' UNION ALL ')} ORDER BY millesime, energie`, [dept, bg]);
}
