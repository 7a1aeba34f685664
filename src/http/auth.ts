import type { FastifyRequest } from 'fastify';
import { verifyToken, type ApiKey, type Role } from '../auth/keys.js';
import type { Store } from '../store/store.js';
import { HttpError } from './errors.js';

export const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);

/** The OpenAPI security requirement of the routes that need a key. */
export const BEARER = [{ bearerAuth: [] }];

/** The key of an `Authorization: Bearer …` request, or a 401/403 that says what is missing. */
export async function requireKey(store: Store, req: FastifyRequest, roles: readonly Role[]): Promise<ApiKey> {
  // already verified by the access hook (src/http/access.ts)
  if (req.apiKey && roles.includes(req.apiKey.role)) return req.apiKey;
  const h = req.headers.authorization;
  if (!h)
    throw unauthorized(
      `this route needs an API key (Authorization: Bearer …) with role ${roles.join(' or ')}`,
    );
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) throw unauthorized('Authorization: expected "Bearer <key>"');
  const key = await verifyToken(store, m[1]!);
  if (!key) throw unauthorized('unknown or revoked API key');
  if (!roles.includes(key.role))
    throw forbidden(`role "${key.role}" may not use this route (needs ${roles.join(' or ')})`);
  return key;
}

/** The key of a request that may send one (public routes): null without; 401 if it is not valid. */
export async function optionalKey(store: Store, req: FastifyRequest): Promise<ApiKey | null> {
  if (!req.headers.authorization) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization);
  if (!m) throw unauthorized('Authorization: expected "Bearer <key>"');
  const key = await verifyToken(store, m[1]!);
  if (!key) throw unauthorized('unknown or revoked API key (send no Authorization header for public data)');
  return key;
}
