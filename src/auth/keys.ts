/**
 * API keys (contract §3, issue 9 §1): `batid_<id>_<secret>`, shown once at creation; the
 * database keeps the SHA-256 of the whole token, never the token. A key has a role and, for
 * advisors, a territory (département codes or EPCI SIREN); for heat-network operators (issue 11),
 * the SNCU ids of their networks. Any key may carry a contact e-mail (demand reminders).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../store/store.js';

export const ROLES = ['public', 'pro', 'advisor', 'admin', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  id: string;
  role: Role;
  territories: string[];
  /** SNCU ids of the heat networks an operator key works for (empty for other roles). */
  networks: string[];
  contact_email: string | null;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

export class KeyInputError extends Error {}

const DEPT = /^(0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])$/;
const EPCI = /^\d{9}$/;
const TOKEN = /^batid_([a-z0-9]{10})_([A-Za-z0-9_-]{32,})$/;

/** A territory code: a département ('03', '2A', '974') or an EPCI SIREN (9 digits). */
export function parseTerritories(raw: readonly string[]): string[] {
  const codes = raw.flatMap((r) => r.split(/[,\s]+/)).filter(Boolean);
  for (const c of codes)
    if (!DEPT.test(c) && !EPCI.test(c))
      throw new KeyInputError(
        `territory: "${c}" is neither a département code (03, 2A, 974) nor an EPCI SIREN (9 digits)`,
      );
  return [...new Set(codes)];
}

/** An SNCU network id (`7501C`, `0301C`, `6907C`…): letters and digits, stored upper-case. */
const SNCU = /^[0-9A-Z]{3,10}$/;
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** SNCU ids of heat networks, from `--network 7501C,7511C` or a list. */
export function parseNetworks(raw: readonly string[]): string[] {
  const ids = raw
    .flatMap((r) => r.split(/[,\s]+/))
    .filter(Boolean)
    .map((c) => c.toUpperCase());
  for (const c of ids)
    if (!SNCU.test(c))
      throw new KeyInputError(`network: "${c}" is not an SNCU network id (letters and digits, e.g. 7501C)`);
  return [...new Set(ids)];
}

/** A contact e-mail (trimmed, checked loosely), or null when none was given. */
export function parseContactEmail(raw: string | null | undefined): string | null {
  const e = raw?.trim() ?? '';
  if (!e) return null;
  if (e.length > 254 || !EMAIL.test(e))
    throw new KeyInputError(`email: expected an e-mail address, got "${e}"`);
  return e;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const KEY_COLS = 'id, role, territories, networks, contact_email, label, created_at::text, revoked_at::text';

export async function createKey(
  db: Queryable,
  opts: {
    role: string;
    territories?: readonly string[];
    networks?: readonly string[];
    email?: string | null;
    label?: string;
  },
): Promise<{ key: ApiKey; token: string }> {
  if (!(ROLES as readonly string[]).includes(opts.role))
    throw new KeyInputError(`role: expected one of ${ROLES.join(', ')}, got "${opts.role}"`);
  const territories = parseTerritories(opts.territories ?? []);
  if (opts.role === 'advisor' && !territories.length)
    throw new KeyInputError('territory: an advisor key needs a territory (--territory 03 or an EPCI SIREN)');
  const networks = parseNetworks(opts.networks ?? []);
  if (opts.role === 'operator' && !networks.length)
    throw new KeyInputError('network: an operator key needs the SNCU id of its network(s) (--network 7501C)');
  if (opts.role !== 'operator' && networks.length)
    throw new KeyInputError(`network: only operator keys are bound to networks (role is "${opts.role}")`);
  const email = parseContactEmail(opts.email);
  const id = randomBytes(8).toString('hex').slice(0, 10);
  const token = `batid_${id}_${randomBytes(24).toString('base64url')}`;
  const [key] = await db.query<ApiKey>(
    `INSERT INTO access.api_key (id, token_hash, role, territories, networks, contact_email, label)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${KEY_COLS}`,
    [id, sha256(token), opts.role, territories, networks, email, opts.label ?? ''],
  );
  return { key: key!, token };
}

export async function listKeys(db: Queryable): Promise<ApiKey[]> {
  return db.query<ApiKey>(`SELECT ${KEY_COLS} FROM access.api_key ORDER BY created_at, id`);
}

/** Revokes a key (kept for the audit trail); false when there is no such active key. */
export async function revokeKey(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query(
    'UPDATE access.api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
    [id],
  );
  return r.length > 0;
}

/** The active key of a bearer token, or null (unknown, malformed or revoked). */
export async function verifyToken(db: Queryable, token: string): Promise<ApiKey | null> {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const [row] = await db.query<ApiKey & { token_hash: string }>(
    `SELECT token_hash, ${KEY_COLS} FROM access.api_key WHERE id = $1 AND revoked_at IS NULL`,
    [m[1]],
  );
  if (!row) return null;
  const a = Buffer.from(row.token_hash, 'hex');
  const b = Buffer.from(sha256(token), 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  const { token_hash: _hash, ...key } = row;
  return key;
}

/** Where a building lies, for territory checks. */
export interface Place {
  dept: string;
  commune: string | null;
  epci: string | null;
}

/** Admin: everywhere; others: a département or EPCI of their territory. */
export function coversPlace(key: Pick<ApiKey, 'role' | 'territories'>, place: Place): boolean {
  if (key.role === 'admin') return true;
  return key.territories.some((t) => t === place.dept || (place.epci !== null && t === place.epci));
}
