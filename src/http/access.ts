/**
 * Who may call what (issue 9 §1): each route says its access level in its options
 * (`config: { access: 'pro' }`), one hook enforces it before the body is read, so 401/403
 * come before 400/413. Public routes also see the key when one is sent (the card shows the
 * owners' section to pro keys only).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKey, Role } from '../auth/keys.js';
import type { Store } from '../store/store.js';
import { optionalKey, requireKey } from './auth.js';

export type Access = 'public' | 'pro' | 'advisor' | 'admin' | 'operator';

/** The roles each access level lets in (admin everywhere). */
export const ROLES_OF: Record<Exclude<Access, 'public'>, readonly Role[]> = {
  pro: ['pro', 'admin'],
  advisor: ['advisor', 'admin'],
  admin: ['admin'],
  // the demands workspace (issue 11): operators for their networks, advisors for their territory;
  // which demands each sees is decided in SQL (src/demands/demand-scope.ts)
  operator: ['operator', 'advisor', 'admin'],
};

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** The verified key of the request, when it sent one (null: none; undefined: not looked at). */
    apiKey?: ApiKey | null;
  }
}

export function accessOf(req: FastifyRequest): Access {
  return req.routeOptions.config?.access ?? 'public';
}

export function enforceAccess(app: FastifyInstance, store: Store): void {
  app.addHook('onRequest', async (req) => {
    const access = accessOf(req);
    req.apiKey =
      access === 'public' ? await optionalKey(store, req) : await requireKey(store, req, ROLES_OF[access]);
  });
}

/** Pro keys (and admin) see owner (legal-person) details. */
export const seesOwners = (req: FastifyRequest): boolean =>
  req.apiKey?.role === 'pro' || req.apiKey?.role === 'admin';
