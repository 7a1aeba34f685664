import { AsyncResource } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { onPrimary } from '../store/routed-store.js';

/**
 * Routes whose data the API itself writes (keys, bulk jobs, energy records, projects, degree
 * days, demands): read on the primary, so that a client reads its own writes at once (a job
 * polled right after its POST, a project patched right after its creation, a page reloaded after
 * a save).
 */
const WRITTEN_BY_API =
  /^\/v1\/(keys|jobs|projects|degree-days|demands)(\/|$)|^\/v1\/buildings\/:batid\/energy(\/|$)/;

function needsPrimary(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return true;
  return WRITTEN_BY_API.test(req.routeOptions.url ?? '');
}

const scopes = new WeakMap<FastifyRequest, AsyncResource>();

/**
 * With read replicas (routed-store.ts): every statement of a request that writes (any method but
 * GET/HEAD) or reads data the API writes runs on the primary, the others may read a replica.
 * The request's hooks and handler run inside `onPrimary`; a body parser may resume in another
 * async context (stream events), so the request's scope is entered again before validation and
 * before the handler (as @fastify/request-context does). Without replicas `onPrimary` changes
 * nothing. Registered before every other hook.
 */
export function routeReads(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    if (!needsPrimary(req)) return done();
    onPrimary(() => {
      scopes.set(req, new AsyncResource('batid-primary'));
      done();
    });
  });
  const reenter = (req: FastifyRequest, _reply: unknown, done: () => void) => {
    const scope = scopes.get(req);
    if (scope) scope.runInAsyncScope(done);
    else done();
  };
  app.addHook('preValidation', reenter);
  app.addHook('preHandler', reenter);
}
