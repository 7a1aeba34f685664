import type { FastifyRequest } from 'fastify';
import { verifyToken, type ApiKey, type Role } from '../auth/keys.js';
import { primaryOf } from '../store/routed-store.js';
import type { Store } from '../store/store.js';
import { HttpError } from './errors.js';

export const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);

/** The OpenAPI security requirement of the routes that need a key. */
export const BEARER = [{ bearerAuth: [] }];

interface Bearer {
  key: ApiKey | null;
  /** why the Authorization header gives no key (malformed, unknown or revoked); null when fine or absent */
  problem: string | null;
}
const bearers = new WeakMap<FastifyRequest, Promise<Bearer>>();

/**
 * The key of the request's `Authorization: Bearer …` header, verified once per request: the rate
 * limiter, the access hook and the routes share this one database lookup.
 */
export function bearerOf(store: Store, req: FastifyRequest): Promise<Bearer> {
  let b = bearers.get(req);
  if (!b) {
    b = (async () => {
      const h = req.headers.authorization;
      if (!h) return { key: null, problem: null };
      const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
      if (!m) return { key: null, problem: 'Authorization: expected "Bearer <key>"' };
      // on the primary (not a read replica): a new key works and a revoked one stops at once
      const key = await verifyToken(primaryOf(store), m[1]!);
      return key ? { key, problem: null } : { key: null, problem: 'unknown or revoked API key' };
    })();
    bearers.set(req, b);
  }
  return b;
}

/** The key of an `Authorization: Bearer …` request, or a 401/403 that says what is missing. */
export async function requireKey(store: Store, req: FastifyRequest, roles: readonly Role[]): Promise<ApiKey> {
  const { key, problem } = await bearerOf(store, req);
  if (problem) throw unauthorized(problem);
  if (!key)
    throw unauthorized(
      `this route needs an API key (Authorization: Bearer …) with role ${roles.join(' or ')}`,
    );
  if (!roles.includes(key.role))
    throw forbidden(`role "${key.role}" may not use this route (needs ${roles.join(' or ')})`);
  return key;
}

/** The key of a request that may send one (public routes): null without; 401 if it is not valid. */
export async function optionalKey(store: Store, req: FastifyRequest): Promise<ApiKey | null> {
  const { key, problem } = await bearerOf(store, req);
  if (problem)
    throw unauthorized(
      problem.startsWith('unknown') ? `${problem} (send no Authorization header for public data)` : problem,
    );
  return key;
}
