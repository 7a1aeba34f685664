import type { ColumnDef, TableDef } from './types.js';

// Tables of the BDNB département CSV export that the 2024 API schema
// (../shared/data/schema/bdnb_schema_from_api_client_2024.csv) does not list. Their column lists
// are our reading of the BDNB documentation (bdnb.io/schema) and of domain.md; they are NOT
// verified against a real export file: a real file with other columns still imports (unknown
// columns go to `extra`, missing ones stay empty) — check them when a real export is at hand.

const text = (name: string, description = ''): ColumnDef => ({ name, type: 'text', description });
const int = (name: string, description = ''): ColumnDef => ({ name, type: 'integer', description });
const num = (name: string, description = ''): ColumnDef => ({ name, type: 'double', description });
const bool = (name: string, description = ''): ColumnDef => ({ name, type: 'boolean', description });
const date = (name: string, description = ''): ColumnDef => ({ name, type: 'date', description });
const dept = text('code_departement_insee', 'Code département INSEE');
const bg = text('batiment_groupe_id', 'Identifiant du groupe de bâtiment au sens de la BDNB');
const bgRef = { column: 'batiment_groupe_id', table: 'batiment_groupe', refColumn: 'batiment_groupe_id' };

export const SUPPLEMENT_TABLES: TableDef[] = [
  {
    name: 'parcelle',
    description: 'Parcelle cadastrale (DGFiP), géométrie en Lambert-93',
    origin: 'bdnb-doc',
    key: ['parcelle_id'],
    refs: [],
    columns: [
      text('parcelle_id', 'commune(5) + préfixe(3) + section(2) + numéro(4)'),
      dept,
      text('code_commune_insee', 'Code INSEE de la commune'),
      num('s_geom_parcelle', 'Surface de la parcelle [m²]'),
      {
        name: 'geom_parcelle',
        type: 'geometry',
        geometry: 'MultiPolygon',
        description: 'Géométrie de la parcelle (Lambert-93)',
      },
    ],
  },
  {
    name: 'dpe_logement',
    description: 'Diagnostics de performance énergétique des logements (ADEME), un par certificat',
    origin: 'bdnb-doc',
    key: ['identifiant_dpe'],
    refs: [],
    columns: [
      text('identifiant_dpe', 'Numéro du DPE (ADEME)'),
      dept,
      text('numero_dpe_remplace', 'Numéro du DPE que celui-ci remplace (correction)'),
      text('type_dpe', 'Méthode et type du DPE'),
      bool('arrete_2021', 'DPE de la méthode de l’arrêté du 31 mars 2021'),
      date('date_etablissement_dpe'),
      date('date_reception_dpe'),
      text('type_batiment_dpe', 'maison, appartement, immeuble'),
      int('annee_construction_dpe'),
      text('periode_construction_dpe'),
      int('numero_etage_appartement'),
      num('surface_habitable_logement', 'm²'),
      num('surface_habitable_immeuble', 'm²'),
      int('nombre_niveau_logement'),
      text('classe_bilan_dpe'),
      text('classe_emission_ges'),
      num('conso_5_usages_ep_m2', 'kWh EP/m²/an'),
      num('conso_5_usages_ef_m2', 'kWh EF/m²/an'),
      num('emission_ges_5_usages_m2', 'kg CO2/m²/an'),
      text('type_energie_chauffage'),
      text('type_generateur_chauffage'),
      text('type_installation_chauffage'),
      text('type_energie_ecs'),
      text('type_generateur_ecs'),
      text('type_installation_ecs'),
      text('type_isolation_mur_exterieur'),
      text('type_isolation_plancher_bas'),
      text('type_isolation_plancher_haut'),
      text('type_vitrage'),
      text('type_materiaux_menuiserie'),
      text('type_ventilation'),
      text('cle_interop_adr', 'Clé BAN de l’adresse du logement'),
    ],
  },
  {
    name: 'rel_batiment_groupe_dpe_logement',
    description: 'Relation entre les groupes de bâtiment et les DPE de leurs logements',
    origin: 'bdnb-doc',
    key: ['batiment_groupe_id', 'identifiant_dpe'],
    refs: [bgRef, { column: 'identifiant_dpe', table: 'dpe_logement', refColumn: 'identifiant_dpe' }],
    columns: [bg, text('identifiant_dpe'), dept],
  },
  {
    name: 'rel_batiment_construction_rnb',
    description:
      'Relation entre les constructions de la BDNB et les identifiants du Référentiel National des Bâtiments',
    origin: 'bdnb-doc',
    key: ['batiment_construction_id', 'rnb_id'],
    refs: [
      {
        column: 'batiment_construction_id',
        table: 'batiment_construction',
        refColumn: 'batiment_construction_id',
      },
    ],
    columns: [
      text('batiment_construction_id'),
      text('rnb_id', 'Identifiant RNB (12 caractères)'),
      dept,
      num('score_appariement'),
    ],
  },
  {
    name: 'batiment_groupe_rpls',
    description: 'Logements sociaux (RPLS) agrégés à l’échelle du bâtiment',
    origin: 'bdnb-doc',
    key: ['batiment_groupe_id'],
    refs: [bgRef],
    columns: [
      bg,
      dept,
      int('nb_log', 'Nombre de logements sociaux'),
      text('classe_ener_principale', 'Classe DPE principale des logements sociaux'),
      text('classe_ges_principale'),
      int('annee_construction'),
      text('l_denomination_bailleur'),
      bool('qpv', 'En quartier prioritaire'),
    ],
  },
  {
    name: 'sitadel',
    description: 'Autorisations d’urbanisme (SITADEL, ministère de la Transition écologique)',
    origin: 'bdnb-doc',
    key: ['numero_permis'],
    refs: [],
    columns: [
      text('numero_permis'),
      dept,
      text('code_commune_insee'),
      text('type_permis', 'PC, DP, PA, PD'),
      text('nature_projet', 'construction neuve, extension, démolition…'),
      text('statut', 'autorisé, commencé, terminé, annulé'),
      date('date_autorisation'),
      date('date_ouverture_chantier'),
      date('date_achevement'),
      int('nb_logements_crees'),
      int('nb_logements_demolis'),
      num('surface_plancher_creee', 'm²'),
      text('destination_principale'),
    ],
  },
  {
    name: 'rel_parcelle_sitadel',
    description: 'Relation entre les parcelles et les autorisations SITADEL',
    origin: 'bdnb-doc',
    key: ['parcelle_id', 'numero_permis'],
    refs: [
      { column: 'parcelle_id', table: 'parcelle', refColumn: 'parcelle_id' },
      { column: 'numero_permis', table: 'sitadel', refColumn: 'numero_permis' },
    ],
    columns: [text('parcelle_id'), text('numero_permis'), dept],
  },
  {
    name: 'parcelle_sitadel',
    description: 'Autorisations SITADEL agrégées à la parcelle',
    origin: 'bdnb-doc',
    key: ['parcelle_id'],
    refs: [{ column: 'parcelle_id', table: 'parcelle', refColumn: 'parcelle_id' }],
    columns: [
      text('parcelle_id'),
      dept,
      int('nb_permis'),
      int('nb_logements_crees'),
      int('nb_logements_demolis'),
      date('date_derniere_autorisation'),
    ],
  },
  {
    name: 'adresse_metrique',
    description: 'Indicateurs calculés à l’adresse (nombre de bâtiments et de logements rattachés)',
    origin: 'bdnb-doc',
    key: ['cle_interop_adr'],
    refs: [{ column: 'cle_interop_adr', table: 'adresse', refColumn: 'cle_interop_adr' }],
    columns: [
      text('cle_interop_adr'),
      dept,
      int('nb_batiment_groupe'),
      int('nb_batiment_construction'),
      int('nb_log'),
      num('distance_batiment_plus_proche', 'm'),
    ],
  },
];
