/**
 * A contact request's life on the requester's side (issue 11 §1, §3): it is created with the
 * eligibility the server computes itself (never the client's), assigned to the network of the
 * result or to the territory, and followed or withdrawn with a random token whose SHA-256 only
 * is stored.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { deptOfCommune } from '../ingest/dept.js';
import {
  eligibilityOfAddress,
  eligibilityOfBuilding,
  type EligibilityAnswer,
} from '../networks/eligibility-service.js';
import type { Queryable, Store } from '../store/store.js';
import {
  STATUS_LABELS,
  type DemandFollowView,
  type DemandHistoryItem,
  type DemandStatus,
} from './api-types.js';
import { assignmentOf, type Assignment } from './assignment.js';
import type { DemandInput } from './demand-input.js';
import { eligibilityOfRow, eventStatusOf, isoOf } from './demand-rows.js';
import { eraseDemands } from './erase.js';

/** The author of what the requester does (creation, withdrawal). */
export const REQUESTER_ACTOR = { id: 'demandeur', label: 'demandeur' } as const;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface CreatedDemand {
  id: string;
  token: string;
  status: DemandStatus;
  assignment: Assignment;
  eligibility: EligibilityAnswer;
  address: string;
  territory: { commune: string | null; dept: string | null; epci: string | null };
}

/** The eligibility of the request's place: the building when given (its footprint), else the address. */
async function eligibilityOf(store: Store, input: DemandInput): Promise<EligibilityAnswer> {
  if (input.batid) return eligibilityOfBuilding(store, input.batid);
  return eligibilityOfAddress(store, input.address!);
}

/** The EPCI of the place: the building's group, else any group of its commune. */
async function epciOf(db: Queryable, batid: string | null, commune: string | null): Promise<string | null> {
  if (batid) {
    const [r] = await db.query<{ epci: string | null }>(
      `SELECT rb.code_epci_insee AS epci FROM batid.building b
         JOIN renovation.batiment rb
           ON rb.code_departement_insee = b.code_departement_insee AND rb.batiment_groupe_id = b.batiment_groupe_id
        WHERE b.batid = $1`,
      [batid],
    );
    if (r?.epci) return r.epci;
  }
  const dept = commune ? deptOfCommune(commune) : null;
  if (!commune || !dept) return null;
  const [r] = await db.query<{ epci: string | null }>(
    `SELECT code_epci_insee AS epci FROM renovation.batiment
      WHERE code_departement_insee = $1 AND code_commune_insee = $2 AND code_epci_insee IS NOT NULL LIMIT 1`,
    [dept, commune],
  );
  return r?.epci ?? null;
}

/** The département of a building when its commune is not known. */
async function deptOfBuilding(db: Queryable, batid: string | null): Promise<string | null> {
  if (!batid) return null;
  const [r] = await db.query<{ dept: string }>(
    'SELECT code_departement_insee AS dept FROM batid.building WHERE batid = $1',
    [batid],
  );
  return r?.dept ?? null;
}

/**
 * Records a request: eligibility computed here (throws the eligibility service's errors when the
 * place is unknown or no networks are loaded), assignment, the `created` event; returns the
 * follow token, which is not kept.
 */
export async function createDemand(
  store: Store,
  input: DemandInput,
  opts: { now?: Date } = {},
): Promise<CreatedDemand> {
  const now = (opts.now ?? new Date()).toISOString();
  const answer = await eligibilityOf(store, input);
  const assignment = assignmentOf(answer);
  const batid = input.batid ?? answer.place.batid;
  const commune = answer.place.commune;
  const dept = (commune ? deptOfCommune(commune) : null) ?? (await deptOfBuilding(store, batid));
  const epci = await epciOf(store, batid, commune);
  const address = input.address ?? answer.place.address?.label ?? `bâtiment ${batid}`;
  const id = randomUUID();
  const token = randomBytes(32).toString('base64url');
  const net = assignment.assignedTo === 'network' ? assignment.network : null;
  await store.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO demands.demand (id, follow_token_hash, requester_type, name, email, phone, address,
         cle_interop_adr, batid, code_commune_insee, code_departement_insee, code_epci_insee, heating_mode,
         heating_energy, dwellings, message, consent, consent_at, eligibility_type, eligibility_distance_m,
         eligible, networks_version, assigned_to, network_id_fcu, network_sncu_id, network_name, status,
         status_changed_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, true, $17::timestamptz,
         $18, $19, $20, $21, $22, $23, $24, $25, 'a_traiter', $17::timestamptz, $17::timestamptz, $17::timestamptz)`,
      [
        id,
        hashToken(token),
        input.requesterType,
        input.name,
        input.email,
        input.phone,
        address,
        answer.place.address?.cle_interop_adr ?? null,
        batid,
        commune,
        dept,
        epci,
        input.heatingMode,
        input.heatingEnergy,
        input.dwellings,
        input.message,
        now,
        answer.type,
        answer.distance_m,
        answer.eligible,
        answer.networks_version,
        assignment.assignedTo,
        net?.id_fcu ?? null,
        net?.sncu_id ?? null,
        net?.name ?? null,
      ],
    );
    await tx.query(
      `INSERT INTO demands.event (demand_id, at, kind, status, visible_to_requester, key_id, key_label)
       VALUES ($1, $2::timestamptz, 'created', 'a_traiter', true, $3, $4)`,
      [id, now, REQUESTER_ACTOR.id, REQUESTER_ACTOR.label],
    );
  });
  return {
    id,
    token,
    status: 'a_traiter',
    assignment,
    eligibility: answer,
    address,
    territory: { commune, dept, epci },
  };
}

interface FollowRow {
  id: string;
  created_at: string;
  status: DemandStatus;
  status_changed_at: string;
  requester_type: DemandFollowView['requester_type'];
  address: string;
  eligibility_type: string;
  eligible: boolean;
  eligibility_distance_m: number | null;
  assigned_to: 'network' | 'territory';
  network_name: string | null;
  network_sncu_id: string | null;
  code_departement_insee: string | null;
}

async function byToken(db: Queryable, token: string): Promise<FollowRow | null> {
  if (!TOKEN.test(token)) return null;
  const [r] = await db.query<FollowRow>(
    `SELECT id, ${isoOf('created_at')} AS created_at, status, ${isoOf('status_changed_at')} AS status_changed_at,
            requester_type, address, eligibility_type, eligible, eligibility_distance_m, assigned_to, network_name,
            network_sncu_id, code_departement_insee
       FROM demands.demand WHERE follow_token_hash = $1`,
    [hashToken(token)],
  );
  return r ?? null;
}

/** What the requester sees: status and the dated history meant for them (no keys, no internal notes). */
export async function followView(db: Queryable, token: string): Promise<DemandFollowView | null> {
  const d = await byToken(db, token);
  if (!d) return null;
  const events = await db.query<{
    at: string;
    kind: DemandHistoryItem['kind'];
    status: DemandStatus | null;
    text: string | null;
  }>(
    `SELECT ${isoOf('at')} AS at, kind, status, CASE WHEN kind = 'comment' THEN text END AS text
       FROM demands.event WHERE demand_id = $1 AND visible_to_requester ORDER BY at, id`,
    [d.id],
  );
  return {
    created_at: d.created_at,
    status: d.status,
    status_label: STATUS_LABELS[d.status],
    status_changed_at: d.status_changed_at,
    requester_type: d.requester_type,
    address: d.address,
    eligibility: eligibilityOfRow(d),
    handled_by:
      d.assigned_to === 'network' && d.network_sncu_id
        ? { kind: 'network', name: d.network_name, sncu_id: d.network_sncu_id }
        : { kind: 'territory', code: d.code_departement_insee },
    history: events.map((e) => ({
      at: e.at,
      kind: e.kind,
      ...eventStatusOf(e.kind, e.status),
      text: e.text,
    })),
  };
}

/** The requester withdraws: the demand is erased at once (anonymous counts kept). False: unknown token. */
export async function withdrawDemand(store: Store, token: string): Promise<boolean> {
  return store.transaction(async (tx) => {
    const d = await byToken(tx, token);
    if (!d) return false;
    return (await eraseDemands(tx, [d.id], 'withdrawn')) === 1;
  });
}
