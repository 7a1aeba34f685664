/**
 * API keys (contract §3, issue 9 §1): `batid_<id>_<secret>`, shown once at creation; the
 * database keeps the SHA-256 of the whole token, never the token. A key has a role and, for
 * advisors, a territory (département codes or EPCI SIREN).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../store/store.js';

export const ROLES = ['public', 'pro', 'advisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  id: string;
  role: Role;
  territories: string[];
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

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export async function createKey(
  db: Queryable,
  opts: { role: string; territories?: readonly string[]; label?: string },
): Promise<{ key: ApiKey; token: string }> {
  if (!(ROLES as readonly string[]).includes(opts.role))
    throw new KeyInputError(`role: expected one of ${ROLES.join(', ')}, got "${opts.role}"`);
  const territories = parseTerritories(opts.territories ?? []);
  if (opts.role === 'advisor' && !territories.length)
    throw new KeyInputError('territory: an advisor key needs a territory (--territory 03 or an EPCI SIREN)');
  const id = randomBytes(8).toString('hex').slice(0, 10);
  const token = `batid_${id}_${randomBytes(24).toString('base64url')}`;
  const [key] = await db.query<ApiKey>(
    `INSERT INTO access.api_key (id, token_hash, role, territories, label) VALUES ($1, $2, $3, $4, $5)
     RETURNING id, role, territories, label, created_at::text, revoked_at::text`,
    [id, sha256(token), opts.role, territories, opts.label ?? ''],
  );
  return { key: key!, token };
}

export async function listKeys(db: Queryable): Promise<ApiKey[]> {
  return db.query<ApiKey>(
    `SELECT id, role, territories, label, created_at::text, revoked_at::text
       FROM access.api_key ORDER BY created_at, id`,
  );
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
    `SELECT id, token_hash, role, territories, label, created_at::text, revoked_at::text
       FROM access.api_key WHERE id = $1 AND revoked_at IS NULL`,
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
