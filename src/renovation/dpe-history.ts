import { buildingHead } from '../ids/linked-ids.js';
import type { Store } from '../store/store.js';
import { inDept } from '../store/dept-statement.js';

/** One certificate of a building's history, with what the history adds to it. */
export interface HistoryCertificate {
  identifiant_dpe: string;
  date_etablissement_dpe: string | null;
  /** '2021' (arrêté du 31 mars 2021) or 'avant 2021' */
  methode: '2021' | 'avant 2021';
  type_dpe: string | null;
  type_batiment_dpe: string | null;
  logement: number | null;
  numero_etage_appartement: number | null;
  surface_habitable_logement: number | null;
  classe_bilan_dpe: string | null;
  classe_emission_ges: string | null;
  conso_5_usages_ep_m2: number | null;
  conso_5_usages_ef_m2: number | null;
  emission_ges_5_usages_m2: number | null;
  classe_facteur_2026: string | null;
  conso_ep_m2_facteur_2026: number | null;
  changement_methode: boolean | null;
  g_plus: boolean | null;
  type_energie_chauffage: string | null;
  type_generateur_chauffage: string | null;
  type_installation_chauffage: string | null;
  numero_dpe_remplace: string | null;
  remplace_par: string | null;
  /** a corrected certificate is not valid */
  valide: boolean;
  /** the group's representative DPE (batiment_groupe_dpe_representatif_logement) */
  representatif: boolean;
}

export interface DpeHistory {
  batid: string;
  status: string;
  batiment_groupe_id: string | null;
  source: string[];
  millesime: string | null;
  certificats: HistoryCertificate[];
  renovations: Record<string, unknown>[];
}

/** $1 département, $2 group id. */
export const CERTIFICATES_SQL = `
  SELECT d.identifiant_dpe, d.date_etablissement_dpe::text AS date_etablissement_dpe,
         CASE WHEN coalesce(d.arrete_2021, d.date_etablissement_dpe >= DATE '2021-07-01') THEN '2021' ELSE 'avant 2021' END AS methode,
         d.type_dpe, d.type_batiment_dpe, rd.logement, d.numero_etage_appartement,
         d.surface_habitable_logement, d.classe_bilan_dpe, d.classe_emission_ges,
         d.conso_5_usages_ep_m2, d.conso_5_usages_ef_m2, d.emission_ges_5_usages_m2,
         rd.classe_facteur_2026, rd.conso_ep_m2_facteur_2026, rd.changement_methode, rd.g_plus,
         d.type_energie_chauffage, d.type_generateur_chauffage, d.type_installation_chauffage,
         d.numero_dpe_remplace, rd.remplace_par, rd.remplace_par IS NULL AS valide,
         coalesce(d.identifiant_dpe = rep.identifiant_dpe, false) AS representatif
    FROM bdnb.rel_batiment_groupe_dpe_logement r
    JOIN bdnb.dpe_logement d
      ON d.code_departement_insee = r.code_departement_insee AND d.identifiant_dpe = r.identifiant_dpe
    LEFT JOIN renovation.dpe rd
      ON rd.code_departement_insee = r.code_departement_insee AND rd.batiment_groupe_id = r.batiment_groupe_id
     AND rd.identifiant_dpe = r.identifiant_dpe
    LEFT JOIN bdnb.batiment_groupe_dpe_representatif_logement rep
      ON rep.code_departement_insee = r.code_departement_insee AND rep.batiment_groupe_id = r.batiment_groupe_id
   WHERE r.code_departement_insee = $1 AND r.batiment_groupe_id = $2
   ORDER BY d.date_etablissement_dpe NULLS FIRST, d.identifiant_dpe`;

/** $1 département, $2 group id. */
export const RENOVATIONS_SQL = `
  SELECT logement, dpe_avant, dpe_apres, date_avant::text AS date_avant, date_apres::text AS date_apres,
         classe_avant, classe_apres, classe_avant_facteur_2026, classe_apres_facteur_2026,
         gain_classes_travaux, gain_classes_methode, conso_ep_m2_economisee, changements,
         performante, motif_performante
    FROM renovation.renovation
   WHERE code_departement_insee = $1 AND batiment_groupe_id = $2
   ORDER BY date_apres, dpe_apres`;

/**
 * Every DPE certificate of a building (through its BDNB group) in date order, and the
 * renovations detected between them. Null when the BatID is unknown.
 */
export async function dpeHistory(store: Store, batid: string): Promise<DpeHistory | null> {
  const b = await buildingHead(store, batid);
  if (!b) return null;
  const out: DpeHistory = {
    batid: b.batid,
    status: b.status,
    batiment_groupe_id: b.bg,
    source: ['bdnb.dpe_logement', 'bdnb.rel_batiment_groupe_dpe_logement', 'renovation.renovation'],
    millesime: b.versions.dpe_logement ?? null,
    certificats: [],
    renovations: [],
  };
  if (b.status !== 'constructed' || !b.bg) return out;
  out.certificats = await store.prepared<HistoryCertificate>(
    ...inDept('dpe_history_certificates', CERTIFICATES_SQL, [b.dept, b.bg]),
  );
  out.renovations = await store.prepared(
    ...inDept('dpe_history_renovations', RENOVATIONS_SQL, [b.dept, b.bg]),
  );
  return out;
}
