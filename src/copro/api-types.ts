/**
 * The shapes the energy-record and project routes answer (src/http/copro-routes.ts), shared by
 * the server and the web app (web/src/copro-types.ts): no runtime dependency, no Node API.
 */
import type { BeforeAfter, Bill, EnergyYear } from './energy.js';

export interface RecordHead {
  batid: string;
  code_departement_insee: string;
  code_commune_insee: string | null;
  name: string;
  heated_surface_m2: number;
  reseau_id_fcu: number | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface StoredBill extends Bill {
  id: string;
}

export interface Works {
  id: string;
  date_fin: string;
  description: string;
}

export interface EnergyRecord extends RecordHead {
  bills: StoredBill[];
  works: Works[];
}

export interface EnergyReport {
  batid: string;
  name: string;
  heated_surface_m2: number;
  reseau: { id_fcu: number; name: string | null; co2_kg_kwh: number; source: string } | null;
  co2_heat_network_kg_kwh: number;
  years: EnergyYear[];
  degree_days: {
    reference: number | null;
    source_reference: string | null;
    years: Record<string, { dju: number; source: string }>;
  };
  comparison: {
    dpe: {
      classe_bilan_dpe: string | null;
      classe_facteur_2026: string | null;
      conso_5_usages_ep_m2_moyenne: number | null;
      nb_dpe: number;
      date_dernier_dpe: string | null;
      source: string;
    } | null;
    dle: {
      millesime: string;
      energie: 'gaz' | 'electricite' | 'reseau_chaleur';
      conso_tot_kwh: number;
      nb_pdl: number | null;
    }[];
    note: string;
  };
  before_after: BeforeAfter[];
}

/** What `GET /v1/buildings/{batid}/energy` answers. */
export interface EnergyRecordResponse {
  record: RecordHead;
  bills: StoredBill[];
  works: Works[];
  report: EnergyReport;
}

export const STAGES = ['premier_contact', 'audit', 'travaux_votes', 'travaux_realises', 'suivi'] as const;
export type Stage = (typeof STAGES)[number];
export const STAGE_LABELS: Record<Stage, string> = {
  premier_contact: 'Premier contact',
  audit: 'Audit',
  travaux_votes: 'Travaux votés',
  travaux_realises: 'Travaux réalisés',
  suivi: 'Suivi',
};

/** Acts of the SARE programme (Service d’accompagnement pour la rénovation énergétique). */
export const SARE_ACTS = {
  A1: 'Information de premier niveau',
  A2: 'Conseil personnalisé',
  A3: 'Réalisation d’un audit énergétique',
  A4: 'Accompagnement des travaux de rénovation globale',
  A4bis: 'Accompagnement des travaux de rénovation (hors rénovation globale)',
  A5: 'Maîtrise d’œuvre d’une rénovation globale',
  B1: 'Information de premier niveau (petit tertiaire privé)',
  B2: 'Conseil aux entreprises (petit tertiaire privé)',
} as const;
export type SareAct = keyof typeof SARE_ACTS;

export interface Project {
  id: string;
  batid: string;
  code_departement_insee: string;
  code_commune_insee: string | null;
  title: string;
  stage: Stage;
  stage_changed_at: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface ProjectDetail extends Project {
  stages: { stage: Stage; date: string; key_id: string }[];
  notes: { id: string; date: string; text: string; key_id: string }[];
  acts: { id: string; code: SareAct; label: string; date: string; comment: string; key_id: string }[];
}

export interface ProjectDashboard {
  projects: number;
  by_stage: Record<Stage, number>;
  acts_per_month: { month: string; code: SareAct; n: number }[];
  acts_by_code: Partial<Record<SareAct, number>>;
  finished: {
    projects: number;
    /** finished projects whose energy record has years before and after the works */
    measured: number;
    kwh_saved_per_year: number;
    detail: {
      project_id: string;
      batid: string;
      works_date: string;
      kwh_saved_per_year: number;
      saving_pct: number | null;
      basis: string;
    }[];
  };
}
