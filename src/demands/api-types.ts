/**
 * The codes, French labels and answer shapes of the demands API (issue 11), with no Node API in
 * it, so the web app can import them as the copro pages import src/copro/api-types.ts.
 */

/** Who asks. */
export const REQUESTER_TYPES = [
  'copropriete_conseil_syndical',
  'copropriete_syndic',
  'bailleur_social',
  'gestionnaire_tertiaire',
  'proprietaire_maison',
  'professionnel',
] as const;
export type RequesterType = (typeof REQUESTER_TYPES)[number];
export const REQUESTER_TYPE_LABELS: Record<RequesterType, string> = {
  copropriete_conseil_syndical: 'Copropriété — conseil syndical',
  copropriete_syndic: 'Copropriété — syndic',
  bailleur_social: 'Bailleur social',
  gestionnaire_tertiaire: 'Gestionnaire de bâtiment tertiaire',
  proprietaire_maison: 'Propriétaire de maison individuelle',
  professionnel: 'Professionnel',
};

/** The statuses of a demand (stable codes; the labels are what people read). */
export const STATUSES = [
  'a_traiter',
  'non_realisable',
  'recontacte_pour_etude',
  'proposition_envoyee',
  'vote_en_ag',
  'travaux_en_cours',
  'realise',
  'projet_abandonne',
] as const;
export type DemandStatus = (typeof STATUSES)[number];
export const STATUS_LABELS: Record<DemandStatus, string> = {
  a_traiter: 'À traiter',
  non_realisable: 'Non réalisable',
  recontacte_pour_etude: 'Recontacté pour étude',
  proposition_envoyee: 'Proposition envoyée',
  vote_en_ag: 'Voté en AG',
  travaux_en_cours: 'Travaux en cours',
  realise: 'Réalisé',
  projet_abandonne: 'Projet abandonné',
};
/** Statuses that close a demand: its retention period starts, no more reminders. */
export const CLOSED_STATUSES: ReadonlySet<DemandStatus> = new Set([
  'realise',
  'non_realisable',
  'projet_abandonne',
]);

export const HEATING_MODES = ['collectif', 'individuel'] as const;
export type HeatingMode = (typeof HEATING_MODES)[number];
export const HEATING_MODE_LABELS: Record<HeatingMode, string> = {
  collectif: 'Chauffage collectif',
  individuel: 'Chauffage individuel',
};
export const HEATING_ENERGIES = [
  'gaz',
  'fioul',
  'electricite',
  'bois',
  'reseau_de_chaleur',
  'pompe_a_chaleur',
  'autre',
] as const;
export type HeatingEnergy = (typeof HEATING_ENERGIES)[number];
export const HEATING_ENERGY_LABELS: Record<HeatingEnergy, string> = {
  gaz: 'Gaz',
  fioul: 'Fioul',
  electricite: 'Électricité',
  bois: 'Bois',
  reseau_de_chaleur: 'Réseau de chaleur',
  pompe_a_chaleur: 'Pompe à chaleur',
  autre: 'Autre',
};

/** What POST /v1/demands accepts (checked again by the server: src/demands/demand-input.ts). */
export interface DemandRequest {
  requester_type: RequesterType;
  name: string;
  email: string;
  phone?: string;
  /** The address (as typed or as chosen in the search); `address` or `batid` is required. */
  address?: string;
  batid?: string;
  heating_mode?: HeatingMode;
  heating_energy?: HeatingEnergy;
  dwellings?: number;
  message?: string;
  /** Must be true: the requester agrees to be contacted by the network's operator or an advisor. */
  consent: boolean;
}

/** The 201 answer of POST /v1/demands. */
export interface DemandCreated {
  id: string;
  status: DemandStatus;
  status_label: string;
  /** The page where the requester follows the demand; the token in it is shown only here and in the e-mail. */
  follow_url: string;
  /** The same, as JSON (GET) and to withdraw (DELETE). */
  follow_api_url: string;
  assigned_to: 'network' | 'territory';
  network: { id_fcu: number; sncu_id: string; name: string | null } | null;
  eligibility: { type: string; eligible: boolean; distance_m: number | null };
  confirmation_email: 'sent' | 'not_configured' | 'failed';
}

export interface DemandHistoryItem {
  at: string;
  kind: 'created' | 'status' | 'comment';
  status: DemandStatus | null;
  status_label: string | null;
  text: string | null;
}

/** GET /v1/demands/follow/{token}: what the requester sees (no operator internals). */
export interface DemandFollowView {
  created_at: string;
  status: DemandStatus;
  status_label: string;
  status_changed_at: string;
  requester_type: RequesterType;
  address: string;
  eligibility: { type: string; eligible: boolean; distance_m: number | null };
  handled_by:
    { kind: 'network'; name: string | null; sncu_id: string } | { kind: 'territory'; code: string | null };
  history: DemandHistoryItem[];
}

/** A demand as operators, advisors and admins see it (list rows and GET /v1/demands/{id}). */
export interface DemandSummary {
  id: string;
  created_at: string;
  updated_at: string;
  status: DemandStatus;
  status_label: string;
  status_changed_at: string;
  closed_at: string | null;
  requester_type: RequesterType;
  requester_type_label: string;
  name: string;
  email: string;
  phone: string | null;
  address: string;
  cle_interop_adr: string | null;
  batid: string | null;
  code_commune_insee: string | null;
  code_departement_insee: string | null;
  code_epci_insee: string | null;
  heating_mode: HeatingMode | null;
  heating_energy: HeatingEnergy | null;
  dwellings: number | null;
  message: string;
  consent_at: string;
  eligibility: { type: string; eligible: boolean; distance_m: number | null };
  assigned_to: 'network' | 'territory';
  network: { id_fcu: number | null; sncu_id: string; name: string | null } | null;
}

export interface DemandEvent {
  id: number;
  at: string;
  kind: 'created' | 'status' | 'comment';
  from_status: DemandStatus | null;
  status: DemandStatus | null;
  status_label: string | null;
  text: string | null;
  visible_to_requester: boolean;
  author: { key_id: string; label: string };
}

export interface DemandDetail extends DemandSummary {
  events: DemandEvent[];
  reminders: { rank: 1 | 2; period_start: string; sent_at: string }[];
}

/** A row of GET /v1/demands/reminders: an open demand without a status change for a month or more. */
export interface DemandReminderRow {
  id: string;
  status: DemandStatus;
  status_label: string;
  status_changed_at: string;
  address: string;
  name: string;
  network_sncu_id: string | null;
  /** The reminder due now (not sent yet), if any. */
  due: { rank: 1 | 2; due_at: string } | null;
  /** Reminders already sent since the last status change. */
  sent: { rank: 1 | 2; sent_at: string }[];
  /** When the next one falls due (null: none left until the status changes). */
  next_due_at: string | null;
}
