/**
 * Derives renovation.dpe, renovation.renovation and renovation.batiment of one département from its imported DPE
 * certificates (bdnb.dpe_logement through bdnb.rel_batiment_groupe_dpe_logement): run at the end
 * of every import that touched them, replaced in one transaction.
 */
import type { Store } from '../store/store.js';
import { highAltitudeBounds } from './dpe-class.js';
import {
  analyseGroup,
  replacements,
  toClass,
  WORKS_FIELDS,
  type Certificate,
  type Renovation,
  type WorksField,
} from './detect-renovations.js';

/** Tables whose import changes what is derived here. */
export const RENOVATION_INPUTS = [
  'dpe_logement',
  'rel_batiment_groupe_dpe_logement',
  'batiment_groupe_bdtopo_bat',
  'batiment_groupe',
  'batiment_groupe_ffo_bat',
] as const;

/** renovation.batiment of a département ($1), from the groups and the rows just derived. */
const BUILDINGS_SQL = `
  INSERT INTO renovation.batiment
  SELECT g.code_departement_insee, g.batiment_groupe_id, g.code_commune_insee, g.libelle_commune_insee,
         g.code_epci_insee, g.code_iris, coalesce(f.nb_log, 0),
         cur.classe_bilan_dpe, cur.classe_facteur_2026, cur.g_plus, cur.type_energie_chauffage,
         cur.type_installation_chauffage, coalesce(n.valid >= 2, false), r.batiment_groupe_id IS NOT NULL
    FROM bdnb.batiment_groupe g
    LEFT JOIN bdnb.batiment_groupe_ffo_bat f
      ON f.code_departement_insee = g.code_departement_insee AND f.batiment_groupe_id = g.batiment_groupe_id
    LEFT JOIN (
      SELECT DISTINCT ON (x.batiment_groupe_id) x.*
        FROM renovation.dpe x
       WHERE x.code_departement_insee = $1 AND x.methode_2021 AND x.remplace_par IS NULL AND x.classe_bilan_dpe IS NOT NULL
       ORDER BY x.batiment_groupe_id, x.date_etablissement_dpe DESC NULLS LAST, x.identifiant_dpe DESC) cur
      ON cur.batiment_groupe_id = g.batiment_groupe_id
    LEFT JOIN (
      SELECT x.batiment_groupe_id, count(*) AS valid FROM renovation.dpe x
       WHERE x.code_departement_insee = $1 AND x.methode_2021 AND x.remplace_par IS NULL
       GROUP BY 1) n ON n.batiment_groupe_id = g.batiment_groupe_id
    LEFT JOIN (
      SELECT DISTINCT x.batiment_groupe_id FROM renovation.renovation x WHERE x.code_departement_insee = $1) r
      ON r.batiment_groupe_id = g.batiment_groupe_id
   WHERE g.code_departement_insee = $1`;

const WORKS = Object.keys(WORKS_FIELDS) as WorksField[];

const CERTIFICATES_SQL = `
  SELECT r.batiment_groupe_id, d.identifiant_dpe, d.date_etablissement_dpe,
         coalesce(d.arrete_2021, d.date_etablissement_dpe >= DATE '2021-07-01'),
         d.numero_dpe_remplace, d.type_batiment_dpe,
         CASE WHEN d.type_batiment_dpe = 'immeuble' THEN d.surface_habitable_immeuble
              ELSE coalesce(d.surface_habitable_logement, d.surface_habitable_immeuble) END,
         d.numero_etage_appartement, d.classe_bilan_dpe, d.conso_5_usages_ep_m2,
         d.conso_5_usages_ef_m2, d.emission_ges_5_usages_m2, t.altitude_sol_mean,
         d.type_installation_chauffage, ${WORKS.map((w) => `d.${w}`).join(', ')}
    FROM bdnb.rel_batiment_groupe_dpe_logement r
    JOIN bdnb.dpe_logement d
      ON d.code_departement_insee = r.code_departement_insee AND d.identifiant_dpe = r.identifiant_dpe
    LEFT JOIN bdnb.batiment_groupe_bdtopo_bat t
      ON t.code_departement_insee = r.code_departement_insee AND t.batiment_groupe_id = r.batiment_groupe_id
   WHERE r.code_departement_insee = $1
   ORDER BY r.batiment_groupe_id`;

const num = (s: string | null) => (s === null || s === '' ? null : Number(s));

interface Read {
  cert: Certificate;
  installation: string | null;
}

async function readCertificates(store: Store, dept: string): Promise<Read[]> {
  const rows = await store.copyOut(CERTIFICATES_SQL, [dept]);
  return rows.map((row) => {
    const r = (i: number) => row[i] ?? null;
    const works: Partial<Record<WorksField, string | null>> = {};
    WORKS.forEach((w, i) => (works[w] = r(14 + i)));
    return {
      cert: {
        group: r(0)!,
        id: r(1)!,
        date: r(2),
        method2021: r(3) === 't',
        replaces: r(4) || null,
        type: r(5),
        surfaceM2: num(r(6)),
        floor: num(r(7)),
        label: toClass(r(8)),
        epM2: num(r(9)),
        efM2: num(r(10)),
        gesM2: num(r(11)),
        high: highAltitudeBounds(dept, num(r(12))),
        works,
      },
      installation: r(13),
    };
  });
}

export interface DeriveSummary {
  dept: string;
  certificates: number;
  renovations: number;
  seconds: number;
}

const BATCH = 5000;

/** Rebuilds the département's derived tables from its certificates and building groups. */
export async function deriveRenovations(store: Store, dept: string): Promise<DeriveSummary> {
  const t0 = performance.now();
  const read = await readCertificates(store, dept);
  const replaced = replacements(read.map((r) => r.cert));
  const dpeRows: Record<string, unknown>[] = [];
  const renovationRows: Record<string, unknown>[] = [];
  for (let i = 0; i < read.length;) {
    let j = i;
    while (j < read.length && read[j]!.cert.group === read[i]!.cert.group) j++;
    const group = read.slice(i, j);
    const { facts, renovations } = analyseGroup(
      group.map((r) => r.cert),
      replaced,
    );
    for (const { cert: c, installation } of group) {
      const f = facts.get(c.id)!;
      dpeRows.push({
        code_departement_insee: dept,
        batiment_groupe_id: c.group,
        identifiant_dpe: c.id,
        date_etablissement_dpe: c.date,
        methode_2021: c.method2021,
        remplace_par: f.replacedBy,
        logement: f.dwelling,
        classe_bilan_dpe: c.label,
        classe_facteur_2026: f.label2026,
        conso_5_usages_ep_m2: c.epM2,
        conso_ep_m2_facteur_2026: f.ep2026,
        conso_5_usages_ef_m2: c.efM2,
        emission_ges_5_usages_m2: c.gesM2,
        changement_methode: f.methodChange,
        g_plus: f.gPlus,
        type_energie_chauffage: c.works.type_energie_chauffage ?? null,
        type_installation_chauffage: installation,
      });
    }
    for (const r of renovations) renovationRows.push(renovationRow(dept, r));
    i = j;
  }
  await store.transaction(async (tx) => {
    await tx.query('DELETE FROM renovation.dpe WHERE code_departement_insee = $1', [dept]);
    await tx.query('DELETE FROM renovation.renovation WHERE code_departement_insee = $1', [dept]);
    await tx.query('DELETE FROM renovation.batiment WHERE code_departement_insee = $1', [dept]);
    for (const [table, rows] of [
      ['dpe', dpeRows],
      ['renovation', renovationRows],
    ] as const)
      for (let k = 0; k < rows.length; k += BATCH)
        await tx.query(
          `INSERT INTO renovation.${table}
           SELECT * FROM jsonb_populate_recordset(NULL::renovation.${table}, $1::jsonb)`,
          [JSON.stringify(rows.slice(k, k + BATCH))],
        );
    await tx.query(BUILDINGS_SQL, [dept]);
    // the card bodies hold these rows: bodies built before are stale (migrations/0022)
    await tx.query('SELECT batid.dept_data_changed($1)', [dept]);
  });
  // fresh statistics for the indicators' plans (PGlite has no autovacuum to gather them)
  await store.exec('ANALYZE renovation.dpe; ANALYZE renovation.renovation; ANALYZE renovation.batiment;');
  return {
    dept,
    certificates: dpeRows.length,
    renovations: renovationRows.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

function renovationRow(dept: string, r: Renovation): Record<string, unknown> {
  return {
    code_departement_insee: dept,
    batiment_groupe_id: r.group,
    logement: r.dwelling,
    dpe_avant: r.before.id,
    dpe_apres: r.after.id,
    date_avant: r.before.date,
    date_apres: r.after.date,
    classe_avant: r.labelBefore,
    classe_apres: r.labelAfter,
    classe_avant_facteur_2026: r.label2026Before,
    classe_apres_facteur_2026: r.label2026After,
    gain_classes_travaux: r.gainWorks,
    gain_classes_methode: r.gainMethod,
    conso_ep_m2_economisee: r.savedEpM2,
    changements: r.changes.map((c) => ({
      element: c.label,
      champ: c.field,
      avant: c.before,
      apres: c.after,
    })),
    performante: r.performante,
    motif_performante: r.performanteReason,
  };
}
