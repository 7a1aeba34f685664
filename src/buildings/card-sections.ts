/**
 * The building card's thematic sections: which BDNB table feeds each, how it reaches the building
 * (its group, its footprint, or its group's parcels), and whether it has one row or several.
 * Columns are the table's own (ids and the département left out); empty values are dropped.
 */
export interface SectionDef {
  key: string;
  title: string;
  /** `schema` renovation: a table derived at import (src/renovation/), by group like the others */
  tables: { table: string; many?: boolean; via?: 'bg' | 'bc' | 'parcelle'; schema?: 'renovation' }[];
  licence: string;
}

const LO = 'Licence Ouverte 2.0 (Etalab)';

export const SECTIONS: SectionDef[] = [
  {
    key: 'construction',
    title: 'Construction, usage, matériaux (fichiers fonciers)',
    tables: [{ table: 'batiment_groupe_ffo_bat' }],
    licence: LO,
  },
  {
    key: 'energie',
    title: 'DPE représentatif : étiquettes, consommations, chauffage, enveloppe',
    tables: [{ table: 'batiment_groupe_dpe_representatif_logement' }],
    licence: LO,
  },
  {
    key: 'dpe_statistiques',
    title: 'DPE des logements du bâtiment (répartition des étiquettes)',
    tables: [{ table: 'batiment_groupe_dpe_statistique_logement' }],
    licence: LO,
  },
  {
    key: 'dpe_logements',
    title: 'Historique des DPE des logements (méthode, étiquette, étiquette avec le facteur 2026)',
    tables: [{ table: 'dpe_logement', many: true }],
    licence: LO,
  },
  {
    key: 'renovations',
    title: 'Rénovations détectées entre DPE successifs d’un même logement',
    tables: [{ table: 'renovation', many: true, schema: 'renovation' }],
    licence: LO,
  },
  {
    key: 'enveloppe',
    title: 'Synthèse de l’enveloppe et des matériaux',
    tables: [{ table: 'batiment_groupe_synthese_enveloppe' }],
    licence: LO,
  },
  {
    key: 'copropriete',
    title: 'Copropriété (registre national des copropriétés)',
    tables: [{ table: 'batiment_groupe_rnc' }],
    licence: LO,
  },
  {
    key: 'logement_social',
    title: 'Logements sociaux (RPLS)',
    tables: [{ table: 'batiment_groupe_rpls' }],
    licence: LO,
  },
  {
    key: 'ventes',
    title: 'Ventes (DVF) : vente représentative et statistiques',
    tables: [
      { table: 'batiment_groupe_dvf_open_representatif' },
      { table: 'batiment_groupe_dvf_open_statistique' },
    ],
    licence:
      'Licence Ouverte 2.0 ; pas de réidentification des personnes, pas d’indexation par les moteurs de recherche',
  },
  {
    key: 'risques',
    title: 'Risques : retrait-gonflement des argiles, radon',
    tables: [{ table: 'batiment_groupe_argiles' }, { table: 'batiment_groupe_radon' }],
    licence: LO,
  },
  {
    key: 'patrimoine',
    title: 'Patrimoine : monument historique le plus proche',
    tables: [{ table: 'batiment_groupe_merimee' }, { table: 'rel_batiment_groupe_merimee', many: true }],
    licence: LO,
  },
  {
    key: 'bdtopo',
    title: 'BD TOPO : usage et nature',
    tables: [{ table: 'batiment_groupe_bdtopo_bat' }],
    licence: LO,
  },
  {
    key: 'proprietaires',
    title: 'Propriétaires personnes morales',
    tables: [{ table: 'rel_batiment_groupe_proprietaire_siren_open', many: true }],
    licence: LO,
  },
  {
    key: 'consommations',
    title: 'Consommations mesurées (données locales de l’énergie) par année',
    tables: [
      { table: 'batiment_groupe_dle_elec_multimillesime', many: true },
      { table: 'batiment_groupe_dle_gaz_multimillesime', many: true },
      { table: 'batiment_groupe_dle_reseaux_multimillesime', many: true },
    ],
    licence: LO,
  },
  {
    key: 'permis',
    title: 'Autorisations d’urbanisme (SITADEL) sur les parcelles du bâtiment',
    tables: [{ table: 'sitadel', many: true, via: 'parcelle' }],
    licence: LO,
  },
  {
    key: 'reseau_chaleur',
    title: 'Indicateurs réseau de chaleur et de froid',
    tables: [{ table: 'batiment_groupe_indicateur_reseau_chaud_froid' }],
    licence: LO,
  },
];

/** Columns never shown in a section: the keys that link it (they are in `ids`) and the partition. */
export const HIDDEN_COLUMNS = new Set([
  'batiment_groupe_id',
  'batiment_construction_id',
  'code_departement_insee',
  'extra',
]);
