/** The SQL columns of a demand and their mapping to the API's shape (src/demands/api-types.ts). */
import {
  REQUESTER_TYPE_LABELS,
  STATUS_LABELS,
  type DemandEvent,
  type DemandStatus,
  type DemandSummary,
} from './api-types.js';

/** An instant as ISO 8601 UTC with milliseconds. */
export const isoOf = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Every column of `demands.demand d` but the token hash. */
export const DEMAND_COLS = `d.id, ${isoOf('d.created_at')} AS created_at, ${isoOf('d.updated_at')} AS updated_at,
  d.status, ${isoOf('d.status_changed_at')} AS status_changed_at, ${isoOf('d.closed_at')} AS closed_at,
  d.requester_type, d.name, d.email, d.phone, d.address, d.cle_interop_adr, d.batid, d.code_commune_insee,
  d.code_departement_insee, d.code_epci_insee, d.heating_mode, d.heating_energy, d.dwellings, d.message,
  ${isoOf('d.consent_at')} AS consent_at, d.eligibility_type, d.eligibility_distance_m, d.eligible,
  d.assigned_to, d.network_id_fcu, d.network_sncu_id, d.network_name`;

/** A row of DEMAND_COLS: the summary's columns as stored, without the labels and nested objects it derives. */
export type DemandRow = Omit<
  DemandSummary,
  'status_label' | 'requester_type_label' | 'eligibility' | 'network'
> & {
  eligibility_type: string;
  eligibility_distance_m: number | null;
  eligible: boolean;
  network_id_fcu: number | null;
  network_sncu_id: string | null;
  network_name: string | null;
};

/** An event's status as the API shows it: none on a comment, with its label otherwise. */
export function eventStatusOf(
  kind: DemandEvent['kind'],
  status: DemandStatus | null,
): { status: DemandStatus | null; status_label: string | null } {
  return kind === 'comment'
    ? { status: null, status_label: null }
    : { status, status_label: status ? STATUS_LABELS[status] : null };
}

/** The eligibility columns as the API's object. */
export const eligibilityOfRow = (r: {
  eligibility_type: string;
  eligible: boolean;
  eligibility_distance_m: number | null;
}): DemandSummary['eligibility'] => ({
  type: r.eligibility_type,
  eligible: r.eligible,
  distance_m: r.eligibility_distance_m,
});

export function summaryOf(r: DemandRow): DemandSummary {
  return {
    id: r.id,
    created_at: r.created_at,
    updated_at: r.updated_at,
    status: r.status,
    status_label: STATUS_LABELS[r.status],
    status_changed_at: r.status_changed_at,
    closed_at: r.closed_at,
    requester_type: r.requester_type,
    requester_type_label: REQUESTER_TYPE_LABELS[r.requester_type],
    name: r.name,
    email: r.email,
    phone: r.phone,
    address: r.address,
    cle_interop_adr: r.cle_interop_adr,
    batid: r.batid,
    code_commune_insee: r.code_commune_insee,
    code_departement_insee: r.code_departement_insee,
    code_epci_insee: r.code_epci_insee,
    heating_mode: r.heating_mode,
    heating_energy: r.heating_energy,
    dwellings: r.dwellings,
    message: r.message,
    consent_at: r.consent_at,
    eligibility: eligibilityOfRow(r),
    assigned_to: r.assigned_to,
    network:
      r.assigned_to === 'network' && r.network_sncu_id
        ? { id_fcu: r.network_id_fcu, sncu_id: r.network_sncu_id, name: r.network_name }
        : null,
  };
}
