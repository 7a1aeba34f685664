import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

/**
 * Security headers on every response (issue 9 §5). The web app loads only its own bundle and
 * talks only to this origin (plus a configured base map); MapLibre needs blob: workers and
 * inline style attributes. API answers get the strictest policy. /docs (Swagger UI) keeps the
 * policy its plugin sets.
 */
export function securityHeaders(app: FastifyInstance, opts: { basemapStyle?: string | null } = {}): void {
  const basemap = opts.basemapStyle ?? process.env.BATID_BASEMAP_STYLE ?? null;
  // a base map pulls styles, sprites, glyphs and tiles from its own host(s): allow https there
  const remote = basemap ? ' https:' : '';
  const pageCsp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${remote}`,
    `connect-src 'self'${remote}`,
    `font-src 'self' data:${remote}`,
    "worker-src 'self' blob:",
    "child-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const apiCsp = "default-src 'none'; frame-ancestors 'none'";
  app.addHook('onSend', async (req, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'strict-origin-when-cross-origin');
    void reply.header('x-frame-options', 'DENY');
    void reply.header('cross-origin-opener-policy', 'same-origin');
    void reply.header('permissions-policy', 'geolocation=(), camera=(), microphone=(), payment=()');
    if (!req.url.startsWith('/docs')) {
      const type = String(reply.getHeader('content-type') ?? '');
      void reply.header('content-security-policy', type.startsWith('text/html') ? pageCsp : apiCsp);
    }
    return payload;
  });
}

/** The path of the first string holding a NUL character in a parsed body, or null. */
function nulPath(v: unknown, path: string, depth = 0): string | null {
  if (typeof v === 'string') return v.includes('\u0000') ? path : null;
  if (depth > 32 || v === null || typeof v !== 'object') return null;
  for (const [k, x] of Object.entries(v)) {
    const found = nulPath(x, Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/**
 * NUL characters cannot be stored or compared in PostgreSQL text: a parameter or body field
 * holding one is refused with a 400 that names it, before any query runs.
 */
export function refuseNul(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (/%00/i.test(req.url) || req.url.includes('\u0000'))
      throw new HttpError(
        400,
        'invalid_parameter',
        'the URL holds a NUL character (%00), which no parameter accepts',
      );
  });
  app.addHook('preValidation', async (req) => {
    if (req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) {
      const at = nulPath(req.body, '');
      if (at !== null)
        throw new HttpError(400, 'invalid_parameter', `${at}: a NUL character is not accepted`);
    }
  });
}
