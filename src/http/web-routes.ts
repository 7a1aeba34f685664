import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/store.js';

/** Paths of the single-page app: each answers index.html, the page reads location.pathname. */
const PAGES = [
  '/',
  '/b/:batid',
  '/eligibilite',
  '/masse',
  '/tableaux-de-bord',
  '/projets',
  '/api',
  '/stats',
  '/demandes',
  '/suivi-demande/:token',
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface WebOptions {
  /** Where the bundle is (default: dist/web beside the compiled code, or ../../dist/web from src/). */
  dir?: string;
  /** A base-map style URL the page puts under our layers (default env BATID_BASEMAP_STYLE). */
  basemapStyle?: string | null;
}

/** dist/web when running compiled (dist/http → dist/web) or from sources (src/http → dist/web). */
export function webDir(): string {
  const here = import.meta.dirname;
  const candidates = [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[candidates.length - 1]!;
}

const MISSING = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>BatID</title></head>
<body><main><h1>BatID — l’identifiant des bâtiments</h1>
<p>L’application web n’est pas construite sur ce serveur : lancez <code>npm run build</code> (ou <code>node scripts/build-web.js</code>).</p>
<p>L’API répond : <a href="/docs/">documentation</a>, <a href="/openapi.json">OpenAPI</a>, <a href="/v1/health">état du service</a>.</p>
</main></body></html>`;

async function sendFile(req: FastifyRequest, reply: FastifyReply, path: string, cache: string) {
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && existsSync(`${path}.gz`);
  const body = await readFile(gz ? `${path}.gz` : path);
  void reply.header('content-type', type).header('cache-control', cache).header('vary', 'accept-encoding');
  if (gz) void reply.header('content-encoding', 'gzip');
  return reply.send(body);
}

/** The web app: index.html on the app's paths, hashed assets, and /config.json for the page. */
export function webRoutes(app: FastifyInstance, store: Store, opts: WebOptions = {}): void {
  const dir = opts.dir ?? webDir();
  const assets = join(dir, 'assets');
  const basemap =
    opts.basemapStyle !== undefined ? opts.basemapStyle : process.env.BATID_BASEMAP_STYLE || null;

  for (const path of PAGES)
    app.get(path, { schema: { hide: true } }, async (req, reply) => {
      const index = join(dir, 'index.html');
      if (!existsSync(index)) return reply.status(503).type('text/html; charset=utf-8').send(MISSING);
      return sendFile(req, reply, index, 'no-cache');
    });

  // where the map opens: the extent of the buildings, computed once per process
  let bounds: Promise<number[] | null> | null = null;
  const dataBounds = () =>
    (bounds ??= store
      .query<{ b: number[] | null }>(
        `SELECT CASE WHEN e IS NULL THEN NULL ELSE ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)] END AS b
           FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom), 2154), 4326) AS e
                   FROM batid.building WHERE status = 'constructed') x`,
      )
      .then((r) => r[0]?.b?.map(Number) ?? null)
      .catch(() => {
        bounds = null;
        return null;
      }));
  app.get('/config.json', { schema: { hide: true } }, async (_req, reply) =>
    reply.header('cache-control', 'no-cache').send({ basemap_style: basemap, bounds: await dataBounds() }),
  );

  app.get<{ Params: { '*': string } }>('/assets/*', { schema: { hide: true } }, async (req, reply) => {
    const rel = normalize(req.params['*']);
    const path = join(assets, rel);
    if (rel.startsWith('..') || !path.startsWith(assets + sep) || rel.endsWith('.gz'))
      return reply.status(404).send({ error: { code: 'not_found', message: `no asset ${req.params['*']}` } });
    const info = await stat(path).catch(() => null);
    if (!info?.isFile())
      return reply.status(404).send({ error: { code: 'not_found', message: `no asset ${req.params['*']}` } });
    // hashed names never change content; the worker's name is fixed, so it is revalidated
    const hashed = /-[A-Z0-9]{8}\.(js|css|map)$/.test(rel);
    return sendFile(req, reply, path, hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
  });
}
