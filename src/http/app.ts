import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { primaryOf, readReplicasOf } from '../store/routed-store.js';
import type { Store } from '../store/store.js';
import { idsRoutes } from './ids-routes.js';
import { buildingsRoutes } from './buildings-routes.js';
import { addressRoutes, buildingsByAddress, byAddressSchema } from './address-routes.js';
import { locateRoutes } from './locate-routes.js';
import { eligibilityRoutes } from './eligibility-routes.js';
import { HttpError } from './errors.js';
import { jobsRoutes } from './jobs-routes.js';
import { prospectsRoutes } from './prospects-routes.js';
import { indicatorsRoutes } from './indicators-routes.js';
import { tilesRoutes } from './tiles-routes.js';
import { ogcRoutes } from './ogc-routes.js';
import { JobRunner } from '../jobs/job-runner.js';
import { webRoutes } from './web-routes.js';
import { coproRoutes } from './copro-routes.js';
import { directoryRoutes } from './directory-routes.js';
import { enforceAccess, type Access } from './access.js';
import { keysRoutes } from './keys-routes.js';
import { demandsRoutes } from './demands-routes.js';
import { statsRoutes } from './stats-routes.js';
import { rateLimit, type RateLimits } from './rate-limit.js';
import { refuseNul, securityHeaders } from './security.js';
import { BODY_LIMIT_BYTES, DEFAULT_HANDLER_TIMEOUT_MS } from './limits.js';
import { routeReads } from './read-routing.js';
import { admission, defaultMaxConcurrent } from './admission.js';

export interface AppOptions {
  /** Request logging: one JSON line per request (pino) at this level; off by default (tests). */
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
  /** Run queued bulk jobs in this process (default true). */
  jobs?: boolean;
  /** Requests per minute per IP and per key (429 beyond); off by default (tests), on in `batid serve`. */
  rateLimit?: RateLimits | false;
  /** A request that takes longer gets a 503 `timeout` (default 30 s; long routes set their own). */
  handlerTimeoutMs?: number;
  /**
   * At most this many requests run at once, the others wait in arrival order (src/http/admission.ts);
   * 0 = no limit. Default 8 on the embedded database, none on a server (`BATID_MAX_CONCURRENT`).
   */
  maxConcurrent?: number;
}

export interface RouteInfo {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyInstance {
    batidRoutes: RouteInfo[];
  }
}

/** The HTTP app: routes adapt HTTP to services, nothing else. */
export async function buildApp(store: Store, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logLevel && opts.logLevel !== 'silent' ? { level: opts.logLevel } : false,
    bodyLimit: BODY_LIMIT_BYTES,
    handlerTimeout: opts.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS,
    // slow clients: the whole request within 2 min, headers within 20 s, idle keep-alive 10 s
    requestTimeout: 120_000,
    keepAliveTimeout: 10_000,
  });
  app.server.headersTimeout = 20_000;
  // every route with its access level, for the role × route matrix test and the docs
  const routes: RouteInfo[] = [];
  app.decorate('batidRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat())
      if (method !== 'HEAD') routes.push({ method, url: r.url, access: r.config?.access ?? 'public' });
  });
  // with read replicas: writes and the data the API writes on the primary (before any other hook)
  routeReads(app);
  securityHeaders(app);
  refuseNul(app);
  if (opts.rateLimit) rateLimit(app, store, opts.rateLimit);
  // each route's access level (config.access), before its body is read
  enforceAccess(app, store);
  const maxConcurrent = opts.maxConcurrent ?? defaultMaxConcurrent(store.kind);
  if (maxConcurrent > 0) admission(app, maxConcurrent);
  // CORS for reads: any page may GET the public data (writes and pro routes are not opened)
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD') void reply.header('access-control-allow-origin', '*');
    else if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] === 'GET') {
      return reply
        .status(204)
        .headers({
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, HEAD',
          'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? ''),
          'access-control-max-age': '86400',
        })
        .send();
    }
  });
  // OpenAPI 3.1 generated from the same route schemas that validate the requests
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'BatID API',
        version: '0.1.0',
        description: 'Un identifiant stable par bâtiment, et tout ce que les données publiques en savent.',
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'clé d’API créée par `batid keys create`',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    // our own errors (HttpError) say what happened, 5xx included; anything else is hidden
    const ours = err instanceof HttpError;
    if (status >= 500 && !ours) app.log.error(err);
    if (status === 401) void reply.header('www-authenticate', 'Bearer realm="batid"');
    void reply.status(status).send({
      error: ours
        ? { code: err.code, message: err.message }
        : { code: errorCode(status, err.code), message: publicMessage(status, err) },
    });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url}` } });
  });
  idsRoutes(app, store);
  buildingsRoutes(app, store);
  addressRoutes(app, store);
  locateRoutes(app, store, { byAddress: buildingsByAddress(store), byAddressResponse: byAddressSchema });
  eligibilityRoutes(app, store);
  prospectsRoutes(app, store);
  indicatorsRoutes(app, store);
  tilesRoutes(app, store);
  ogcRoutes(app, store);
  coproRoutes(app, store);
  directoryRoutes(app, store);
  keysRoutes(app, store);
  demandsRoutes(app, store);
  statsRoutes(app, store);
  const runner =
    opts.jobs === false ? null : new JobRunner(primaryOf(store), (msg, err) => app.log.error(err, msg));
  jobsRoutes(app, store, runner);
  if (runner) {
    app.addHook('onReady', async () => runner.start());
    app.addHook('onClose', async () => runner.stop());
  }
  // the web app (web/, bundled into dist/web/ by scripts/build-web.js); API links on its /api page
  webRoutes(app, store);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/v1/health', async () => {
    const rows = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM batid.building WHERE status = 'constructed'`,
    );
    const replicas = readReplicasOf(store);
    return {
      status: 'ok',
      db: store.kind,
      buildings: rows[0]?.n ?? 0,
      ...(replicas && { read_replicas: replicas }),
    };
  });
  return app;
}

/** What a client may read of an error that is not ours: 5xx details stay in the log. */
function publicMessage(status: number, err: Error & { code?: string }): string {
  if (err.code === 'FST_ERR_HANDLER_TIMEOUT')
    return 'the request took too long and was stopped: ask for less (a smaller bbox, one commune, fewer rows) or use a bulk job';
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return `the request body is larger than ${BODY_LIMIT_BYTES} bytes (upload big files to the bulk routes)`;
  return status >= 500 ? 'internal error' : err.message;
}

/** Stable error codes: ours as they are, Fastify's mapped (request validation → `invalid_parameter`). */
function errorCode(status: number, code: string | undefined): string {
  if (code === 'FST_ERR_HANDLER_TIMEOUT') return 'timeout';
  if (status >= 500) return 'internal_error';
  if (code === 'FST_ERR_VALIDATION') return 'invalid_parameter';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'payload_too_large';
  if (!code || code.startsWith('FST_')) return 'bad_request';
  return code;
}
