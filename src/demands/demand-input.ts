/**
 * The checks of a contact request as sent (issue 11 §1), values in, values out: the requester
 * type, a name, an e-mail, an optional French phone number (loosely: 10 digits from 0, or +33 /
 * 0033 and 9 digits, any spaces, dots or dashes), the place (an address or a BatID), the heating,
 * the dwellings, a message, and consent, which must be true. Errors name the field.
 */
import {
  HEATING_ENERGIES,
  HEATING_MODES,
  REQUESTER_TYPES,
  type HeatingEnergy,
  type HeatingMode,
  type RequesterType,
} from './api-types.js';

export class DemandInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly code = 'invalid_input',
  ) {
    super(`${field}: ${message}`);
  }
}

export interface DemandInput {
  requesterType: RequesterType;
  name: string;
  email: string;
  phone: string | null;
  address: string | null;
  batid: string | null;
  heatingMode: HeatingMode | null;
  heatingEnergy: HeatingEnergy | null;
  dwellings: number | null;
  message: string;
}

const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[A-Za-z]{2,}$/;
export const MESSAGE_MAX = 2000;

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new DemandInputError(field, `expected one of ${allowed.join(', ')}, got ${show(v)}`);
  return v as T;
}

function text(v: unknown, field: string, max: number, required: boolean, oneLine = true): string | null {
  if (v === undefined || v === null || (typeof v === 'string' && !v.trim())) {
    if (required) throw new DemandInputError(field, 'required');
    return null;
  }
  if (typeof v !== 'string') throw new DemandInputError(field, `expected text, got ${show(v)}`);
  const t = oneLine ? v.trim().replace(/\s+/g, ' ') : v.trim().replace(/\r\n?/g, '\n');
  if (t.length > max) throw new DemandInputError(field, `at most ${max} characters, got ${t.length}`);
  return t;
}

/** A French phone number in national form `06 12 34 56 78`, or a DemandInputError. */
export function normalisePhone(raw: string): string {
  const compact = raw.replace(/[\s.\-()]/g, '');
  const m = /^(?:0|\+33|0033)([1-9]\d{8})$/.exec(compact);
  if (!m)
    throw new DemandInputError(
      'phone',
      `expected a French phone number (06 12 34 56 78 or +33 6 12 34 56 78), got ${JSON.stringify(raw)}`,
    );
  return `0${m[1]}`.replace(/(\d{2})(?=\d)/g, '$1 ');
}

/** An e-mail address, trimmed and checked loosely (one @, a dot in the domain, no spaces). */
export function normaliseEmail(raw: unknown): string {
  const e = text(raw, 'email', 254, true)!;
  if (!EMAIL.test(e))
    throw new DemandInputError('email', `expected an e-mail address, got ${JSON.stringify(e)}`);
  return e;
}

/** The request as sent (the JSON body) → its checked values. */
export function parseDemandInput(body: Record<string, unknown>): DemandInput {
  if (body.consent !== true)
    throw new DemandInputError(
      'consent',
      `the requester must agree to be contacted (consent: true), got ${show(body.consent)}`,
      'consent_required',
    );
  const requesterType = oneOf(body.requester_type, 'requester_type', REQUESTER_TYPES);
  const name = text(body.name, 'name', 200, true)!;
  const email = normaliseEmail(body.email);
  const rawPhone = text(body.phone, 'phone', 40, false);
  const phone = rawPhone === null ? null : normalisePhone(rawPhone);
  const address = text(body.address, 'address', 300, false);
  const rawBatid = text(body.batid, 'batid', 20, false);
  const batid = rawBatid === null ? null : rawBatid.replace(/[\s_-]/g, '').toUpperCase();
  if (address === null && batid === null)
    throw new DemandInputError('address', 'an address or a batid is required', 'place_required');
  const heatingMode =
    body.heating_mode === undefined || body.heating_mode === null
      ? null
      : oneOf(body.heating_mode, 'heating_mode', HEATING_MODES);
  const heatingEnergy =
    body.heating_energy === undefined || body.heating_energy === null
      ? null
      : oneOf(body.heating_energy, 'heating_energy', HEATING_ENERGIES);
  let dwellings: number | null = null;
  if (body.dwellings !== undefined && body.dwellings !== null) {
    if (
      typeof body.dwellings !== 'number' ||
      !Number.isInteger(body.dwellings) ||
      body.dwellings < 1 ||
      body.dwellings > 100_000
    )
      throw new DemandInputError(
        'dwellings',
        `expected a whole number of dwellings (1 to 100000), got ${show(body.dwellings)}`,
      );
    dwellings = body.dwellings;
  }
  const message = text(body.message, 'message', MESSAGE_MAX, false, false) ?? '';
  return {
    requesterType,
    name,
    email,
    phone,
    address,
    batid,
    heatingMode,
    heatingEnergy,
    dwellings,
    message,
  };
}
