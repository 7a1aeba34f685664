/**
 * The energy record of a building (issue 8): its heated surface, yearly bill lines and works,
 * kept by BatID; every change is written with its audit entry in one transaction, so a
 * rejected request leaves nothing half-saved.
 */
import { randomUUID } from 'node:crypto';
import { audit, type Actor } from '../auth/audit.js';
import { coversPlace, type ApiKey, type Place } from '../auth/keys.js';
import type { Queryable, Store } from '../store/store.js';
import type { EnergyRecord, RecordHead, StoredBill, Works } from './api-types.js';
import { parisDate, validateBill, EnergyInputError, type Bill, type BillInput } from './energy.js';

export type { EnergyRecord, RecordHead, StoredBill, Works } from './api-types.js';

export class RecordAccessError extends Error {
  constructor(
    readonly status: 403 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export interface BuildingPlace extends Place {
  batid: string;
  status: string;
  batiment_groupe_id: string | null;
}

/** Where a building lies (département, commune, EPCI), for territory checks and reports. */
export async function buildingPlace(db: Queryable, batid: string): Promise<BuildingPlace | null> {
  const [r] = await db.query<BuildingPlace>(
    `SELECT b.batid, b.status, b.code_departement_insee AS dept, b.batiment_groupe_id,
            rb.code_commune_insee AS commune, rb.code_epci_insee AS epci
       FROM batid.building b
       LEFT JOIN renovation.batiment rb
         ON rb.code_departement_insee = b.code_departement_insee AND rb.batiment_groupe_id = b.batiment_groupe_id
      WHERE b.batid = $1`,
    [batid],
  );
  return r ?? null;
}

/** The building, when the key may work on it: known, not retired, in the key's territory. */
export async function placeForKey(db: Queryable, key: ApiKey, batid: string): Promise<BuildingPlace> {
  const place = await buildingPlace(db, batid);
  if (!place) throw new RecordAccessError(404, `no building ${batid}`);
  if (!coversPlace(key, place))
    throw new RecordAccessError(
      403,
      `building ${batid} (département ${place.dept}${place.epci ? `, EPCI ${place.epci}` : ''}) is outside the territory of this key (${key.territories.join(', ') || 'none'})`,
    );
  if (place.status === 'retired')
    throw new RecordAccessError(
      409,
      `BatID ${batid} is retired; use its successor (GET /v1/buildings/${batid})`,
    );
  return place;
}

export interface RecordInput {
  name?: string;
  heated_surface_m2: number;
  reseau_id_fcu?: number | null;
}

const HEAD_COLS = `batid, code_departement_insee, code_commune_insee, name, heated_surface_m2, reseau_id_fcu,
  created_by, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at,
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at`;

export async function getRecord(db: Queryable, batid: string): Promise<EnergyRecord | null> {
  const [head] = await db.query<RecordHead>(`SELECT ${HEAD_COLS} FROM copro.record WHERE batid = $1`, [
    batid,
  ]);
  if (!head) return null;
  const bills = await db.query<StoredBill>(
    `SELECT id, year, use, energy, quantity, unit, amount_eur, kwh_final, comment
       FROM copro.bill WHERE batid = $1 ORDER BY year, use, energy, created_at, id`,
    [batid],
  );
  const works = await db.query<Works>(
    `SELECT id, date_fin::text AS date_fin, description FROM copro.works WHERE batid = $1 ORDER BY date_fin, id`,
    [batid],
  );
  return { ...head, bills, works };
}

function validateRecordInput(input: RecordInput): Required<RecordInput> {
  const s = input.heated_surface_m2;
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0 || s > 1_000_000)
    throw new EnergyInputError('heated_surface_m2', `expected a surface in m² > 0, got ${String(s)}`);
  const net = input.reseau_id_fcu ?? null;
  if (net !== null && (!Number.isInteger(net) || net <= 0))
    throw new EnergyInputError(
      'reseau_id_fcu',
      `expected a France Chaleur Urbaine network id, got ${String(net)}`,
    );
  return { name: (input.name ?? '').trim().slice(0, 200), heated_surface_m2: s, reseau_id_fcu: net };
}

/** Creates or updates the record's head (surface, name, heat network). */
export async function putRecord(
  store: Store,
  actor: Actor,
  place: BuildingPlace,
  input: RecordInput,
): Promise<{ created: boolean }> {
  const v = validateRecordInput(input);
  if (v.reseau_id_fcu !== null) {
    const n = await store.query('SELECT 1 FROM fcu.network WHERE id_fcu = $1 LIMIT 1', [v.reseau_id_fcu]);
    if (!n.length)
      throw new EnergyInputError('reseau_id_fcu', `no heat network with id_fcu ${v.reseau_id_fcu}`);
  }
  return store.transaction(async (tx) => {
    const [before] = await tx.query<RecordHead>(
      `SELECT ${HEAD_COLS} FROM copro.record WHERE batid = $1 FOR UPDATE`,
      [place.batid],
    );
    await tx.query(
      `INSERT INTO copro.record (batid, code_departement_insee, code_commune_insee, name, heated_surface_m2, reseau_id_fcu, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (batid) DO UPDATE SET name = EXCLUDED.name, heated_surface_m2 = EXCLUDED.heated_surface_m2,
         reseau_id_fcu = EXCLUDED.reseau_id_fcu, updated_at = now()`,
      [place.batid, place.dept, place.commune, v.name, v.heated_surface_m2, v.reseau_id_fcu, actor.id],
    );
    await audit(tx, actor, {
      action: before ? 'update' : 'create',
      entity: 'energy_record',
      entity_id: place.batid,
      batid: place.batid,
      dept: place.dept,
      before: before
        ? {
            name: before.name,
            heated_surface_m2: before.heated_surface_m2,
            reseau_id_fcu: before.reseau_id_fcu,
          }
        : undefined,
      after: v,
    });
    return { created: !before };
  });
}

async function requireRecord(tx: Queryable, batid: string): Promise<RecordHead> {
  const [head] = await tx.query<RecordHead>(
    `SELECT ${HEAD_COLS} FROM copro.record WHERE batid = $1 FOR UPDATE`,
    [batid],
  );
  if (!head)
    throw new RecordAccessError(
      404,
      `building ${batid} has no energy record yet: PUT /v1/buildings/${batid}/energy first`,
    );
  return head;
}

/** Validates every line first (errors name `bills[i].field`), then saves them all or none. */
export function validateBills(bills: readonly BillInput[], today = new Date()): Bill[] {
  if (!Array.isArray(bills) || !bills.length)
    throw new EnergyInputError('bills', 'expected at least one bill line');
  return bills.map((b, i) => validateBill(b, `bills[${i}]`, today));
}

/**
 * Adds bill lines; with `replaceYear`, first removes that year's lines (entering a year again
 * replaces it). Returns the new lines' ids.
 */
export async function saveBills(
  store: Store,
  actor: Actor,
  place: BuildingPlace,
  input: readonly BillInput[],
  opts: { replaceYear?: number; today?: Date } = {},
): Promise<string[]> {
  const bills = validateBills(input, opts.today);
  if (opts.replaceYear !== undefined) {
    const other = bills.findIndex((b) => b.year !== opts.replaceYear);
    if (other >= 0)
      throw new EnergyInputError(
        `bills[${other}].year`,
        `expected ${opts.replaceYear}, the year being entered`,
      );
  }
  return store.transaction(async (tx) => {
    await requireRecord(tx, place.batid);
    if (opts.replaceYear !== undefined) {
      const old = await tx.query<StoredBill>(
        `DELETE FROM copro.bill WHERE batid = $1 AND year = $2
         RETURNING id, year, use, energy, quantity, unit, amount_eur, kwh_final, comment`,
        [place.batid, opts.replaceYear],
      );
      for (const b of old)
        await audit(tx, actor, {
          action: 'delete',
          entity: 'bill',
          entity_id: b.id,
          batid: place.batid,
          dept: place.dept,
          before: b,
        });
    }
    const ids: string[] = [];
    for (const b of bills) {
      const id = randomUUID();
      await tx.query(
        `INSERT INTO copro.bill (id, batid, code_departement_insee, year, use, energy, quantity, unit, amount_eur, kwh_final, comment)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          id,
          place.batid,
          place.dept,
          b.year,
          b.use,
          b.energy,
          b.quantity,
          b.unit,
          b.amount_eur,
          b.kwh_final,
          (b.comment ?? '').slice(0, 500),
        ],
      );
      await audit(tx, actor, {
        action: 'create',
        entity: 'bill',
        entity_id: id,
        batid: place.batid,
        dept: place.dept,
        after: b,
      });
      ids.push(id);
    }
    await tx.query('UPDATE copro.record SET updated_at = now() WHERE batid = $1', [place.batid]);
    return ids;
  });
}

const LINES = {
  bill: {
    table: 'copro.bill',
    returning: 'id, year, use, energy, quantity, unit, amount_eur, kwh_final, comment',
  },
  works: { table: 'copro.works', returning: 'id, date_fin::text AS date_fin, description' },
} as const;

/** Deletes a bill line or a works entry of the building, with its audit entry; false if none. */
export async function deleteLine(
  store: Store,
  actor: Actor,
  place: BuildingPlace,
  entity: keyof typeof LINES,
  id: string,
): Promise<boolean> {
  const { table, returning } = LINES[entity];
  return store.transaction(async (tx) => {
    const [old] = await tx.query(`DELETE FROM ${table} WHERE batid = $1 AND id = $2 RETURNING ${returning}`, [
      place.batid,
      id,
    ]);
    if (!old) return false;
    await audit(tx, actor, {
      action: 'delete',
      entity,
      entity_id: id,
      batid: place.batid,
      dept: place.dept,
      before: old,
    });
    return true;
  });
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function validDate(s: unknown, field: string, today = new Date()): string {
  if (typeof s !== 'string' || !DATE.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`)))
    throw new EnergyInputError(field, `expected a date YYYY-MM-DD, got ${JSON.stringify(s)}`);
  if (new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) !== s)
    throw new EnergyInputError(field, `${s} is not a calendar date`);
  if (s > parisDate(today)) throw new EnergyInputError(field, `${s} is in the future`);
  return s;
}

export async function addWorks(
  store: Store,
  actor: Actor,
  place: BuildingPlace,
  input: { date_fin: string; description?: string },
): Promise<string> {
  const date = validDate(input.date_fin, 'date_fin');
  const description = (input.description ?? '').trim().slice(0, 500);
  return store.transaction(async (tx) => {
    await requireRecord(tx, place.batid);
    const id = randomUUID();
    await tx.query(
      'INSERT INTO copro.works (id, batid, code_departement_insee, date_fin, description) VALUES ($1, $2, $3, $4, $5)',
      [id, place.batid, place.dept, date, description],
    );
    await audit(tx, actor, {
      action: 'create',
      entity: 'works',
      entity_id: id,
      batid: place.batid,
      dept: place.dept,
      after: { date_fin: date, description },
    });
    return id;
  });
}
