import type { FastifyInstance, FastifyRequest } from 'fastify';
import { COLLECTION_IDS, COLLECTIONS, isCollectionId, type CollectionDef } from '../ogc/ogc-collections.js';
import {
  collectionDoc,
  CONFORMS_TO,
  featureCollectionText,
  featureText,
  GEOJSON_TYPE,
  JSON_TYPE,
  landingPage,
  type Link,
} from '../ogc/ogc-documents.js';
import {
  clampLimit,
  decodeCursor,
  DEFAULT_LIMIT,
  encodeCursor,
  MAX_LIMIT,
  OgcInputError,
  parseCrs84Bbox,
  type Cursor,
} from '../ogc/ogc-input.js';
import { OgcService } from '../ogc/ogc-service.js';
import type { Store } from '../store/store.js';
import { badRequest, notFound } from './errors.js';

const f = {
  type: 'string',
  enum: ['json'],
  description: 'format de la réponse : json (le seul servi)',
} as const;

const link = {
  type: 'object',
  properties: {
    href: { type: 'string' },
    rel: { type: 'string' },
    type: { type: 'string' },
    title: { type: 'string' },
  },
  required: ['href', 'rel'],
} as const;
const links = { type: 'array', items: link } as const;

const collection = {
  type: 'object',
  properties: {
    id: { type: 'string', enum: [...COLLECTION_IDS] },
    title: { type: 'string' },
    description: { type: 'string' },
    itemType: { type: 'string', enum: ['feature'] },
    crs: { type: 'array', items: { type: 'string' } },
    extent: {
      type: 'object',
      properties: {
        spatial: {
          type: 'object',
          properties: {
            bbox: {
              type: 'array',
              items: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
              description: 'minLon, minLat, maxLon, maxLat (CRS84), calculée sur les données',
            },
            crs: { type: 'string' },
          },
          required: ['bbox'],
        },
      },
      required: ['spatial'],
    },
    links,
  },
  required: ['id', 'itemType', 'links'],
} as const;

const feature = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['Feature'] },
    id: { type: 'string' },
    geometry: { type: ['object', 'null'], description: 'GeoJSON, WGS84 (lon, lat), 7 décimales' },
    properties: { type: 'object', additionalProperties: true },
    links,
  },
  required: ['type', 'id', 'geometry', 'properties'],
} as const;

const featureCollection = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['FeatureCollection'] },
    timeStamp: { type: 'string', format: 'date-time' },
    numberMatched: { type: 'integer', description: 'sur la première page seulement' },
    numberReturned: { type: 'integer' },
    links: { ...links, description: 'self, collection, next et prev (curseurs sur l’identifiant)' },
    features: { type: 'array', items: feature },
  },
  required: ['type', 'timeStamp', 'numberReturned', 'links', 'features'],
} as const;

const collectionParam = {
  collectionId: { type: 'string', maxLength: 50, description: COLLECTION_IDS.join(' | ') },
} as const;

/** The query parameters each route accepts: any other one is refused (OGC API Features, /req/core/query-param-unknown). */
function onlyParams(allowed: readonly string[]) {
  return async (req: FastifyRequest) => {
    const q = req.query as Record<string, unknown>;
    const unknown = Object.keys(q).filter((k) => !allowed.includes(k));
    if (unknown.length)
      throw badRequest(
        `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` +
          (unknown.includes('datetime') ? ' (these collections have no time dimension)' : '') +
          `; expected ${allowed.join(', ')}`,
        'invalid_parameter',
      );
    if (q.f !== undefined && q.f !== 'json')
      throw badRequest(
        `f: expected json (the only format served), got "${String(q.f)}"`,
        'invalid_parameter',
      );
  };
}

/** The absolute URLs of the server and of the API root, as the client reached them. */
function bases(req: FastifyRequest): { origin: string; base: string } {
  const origin = `${req.protocol}://${req.host}`;
  return { origin, base: `${origin}/ogc` };
}

function collectionOf(id: string): CollectionDef {
  if (!isCollectionId(id))
    throw notFound(`no collection ${id}: expected one of ${COLLECTION_IDS.join(', ')}`, 'unknown_collection');
  return COLLECTIONS[id];
}

/** Service input errors → 400. */
async function mapInputErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof OgcInputError) throw badRequest(err.message, 'invalid_parameter');
    throw err;
  }
}

interface ItemsQuerystring {
  bbox?: string;
  limit?: number;
  cursor?: string;
  f?: 'json';
}

/** OGC API Features, Part 1 (core, GeoJSON) under /ogc: the work is in src/ogc/. */
export function ogcRoutes(app: FastifyInstance, store: Store): void {
  const ogc = new OgcService(store);
  const tags = ['OGC API Features'];
  const config = { access: 'public' as const };

  app.get(
    '/ogc',
    {
      config,
      preValidation: onlyParams(['f']),
      schema: {
        tags,
        summary:
          'OGC API Features : page d’accueil (liens vers la définition, la conformité, les collections)',
        querystring: { type: 'object', properties: { f } },
        response: {
          200: {
            type: 'object',
            properties: { title: { type: 'string' }, description: { type: 'string' }, links },
            required: ['links'],
          },
        },
      },
    },
    async (req) => {
      const { origin, base } = bases(req);
      return landingPage(base, origin);
    },
  );

  app.get(
    '/ogc/conformance',
    {
      config,
      preValidation: onlyParams(['f']),
      schema: {
        tags,
        summary: 'OGC API Features : classes de conformité implémentées',
        querystring: { type: 'object', properties: { f } },
        response: {
          200: {
            type: 'object',
            properties: { conformsTo: { type: 'array', items: { type: 'string' } } },
            required: ['conformsTo'],
          },
        },
      },
    },
    async () => ({ conformsTo: CONFORMS_TO }),
  );

  app.get(
    '/ogc/collections',
    {
      config,
      preValidation: onlyParams(['f']),
      schema: {
        tags,
        summary:
          'OGC API Features : les collections (bâtiments, adresses, réseaux), emprise calculée sur les données',
        querystring: { type: 'object', properties: { f } },
        response: {
          200: {
            type: 'object',
            properties: { links, collections: { type: 'array', items: collection } },
            required: ['links', 'collections'],
          },
        },
      },
    },
    async (req) => {
      const { base } = bases(req);
      const extents = await ogc.collectionExtents();
      return {
        links: [{ href: `${base}/collections`, rel: 'self', type: JSON_TYPE, title: 'les collections' }],
        collections: COLLECTION_IDS.map((id) =>
          collectionDoc(base, COLLECTIONS[id], extents.get(id) ?? null),
        ),
      };
    },
  );

  app.get<{ Params: { collectionId: string } }>(
    '/ogc/collections/:collectionId',
    {
      config,
      preValidation: onlyParams(['f']),
      schema: {
        tags,
        summary: 'OGC API Features : une collection',
        params: { type: 'object', properties: collectionParam, required: ['collectionId'] },
        querystring: { type: 'object', properties: { f } },
        response: { 200: collection },
      },
    },
    async (req) => {
      const def = collectionOf(req.params.collectionId);
      const extents = await ogc.collectionExtents();
      return collectionDoc(bases(req).base, def, extents.get(def.id) ?? null);
    },
  );

  app.get<{ Params: { collectionId: string }; Querystring: ItemsQuerystring }>(
    '/ogc/collections/:collectionId/items',
    {
      config,
      preValidation: onlyParams(['bbox', 'limit', 'cursor', 'f']),
      schema: {
        tags,
        summary:
          'OGC API Features : les entités d’une collection (GeoJSON WGS84), par page, dans l’ordre des identifiants',
        params: { type: 'object', properties: collectionParam, required: ['collectionId'] },
        querystring: {
          type: 'object',
          properties: {
            bbox: {
              type: 'string',
              maxLength: 200,
              description:
                'minLon,minLat,maxLon,maxLat en CRS84 (WGS84 lon/lat) : les entités dont la géométrie l’intersecte',
            },
            limit: {
              type: 'integer',
              minimum: 1,
              default: DEFAULT_LIMIT,
              description: `entités par page, ${MAX_LIMIT} au plus (une valeur plus grande est ramenée à ${MAX_LIMIT})`,
            },
            cursor: {
              type: 'string',
              maxLength: 400,
              description: 'position dans la collection, donnée par les liens next et prev',
            },
            f,
          },
        },
        response: {
          200: {
            description: 'FeatureCollection',
            content: { [GEOJSON_TYPE]: { schema: featureCollection } },
          },
        },
      },
    },
    async (req, reply) => {
      const def = collectionOf(req.params.collectionId);
      const { base } = bases(req);
      const limit = clampLimit(req.query.limit);
      const page = await mapInputErrors(async () => {
        const bbox = req.query.bbox === undefined ? null : parseCrs84Bbox(req.query.bbox);
        const cursor = req.query.cursor === undefined ? null : decodeCursor(req.query.cursor);
        return ogc.items(def, { bbox, limit, cursor });
      });
      const itemsUrl = `${base}/collections/${def.id}/items`;
      const url = (cursor: Cursor | null | string | undefined) => {
        const q = new URLSearchParams();
        if (req.query.bbox !== undefined) q.set('bbox', req.query.bbox);
        q.set('limit', String(limit));
        const c = typeof cursor === 'object' && cursor ? encodeCursor(cursor) : cursor;
        if (c) q.set('cursor', c);
        if (req.query.f) q.set('f', req.query.f);
        return `${itemsUrl}?${q}`;
      };
      const pageLinks: Link[] = [
        { href: url(req.query.cursor), rel: 'self', type: GEOJSON_TYPE, title: 'cette page' },
        { href: `${base}/collections/${def.id}`, rel: 'collection', type: JSON_TYPE, title: def.title },
      ];
      if (page.next)
        pageLinks.push({ href: url(page.next), rel: 'next', type: GEOJSON_TYPE, title: 'page suivante' });
      if (page.prev)
        pageLinks.push({ href: url(page.prev), rel: 'prev', type: GEOJSON_TYPE, title: 'page précédente' });
      return reply.type(GEOJSON_TYPE).send(
        featureCollectionText({
          features: page.features,
          links: pageLinks,
          numberMatched: page.numberMatched,
          timeStamp: new Date().toISOString(),
        }),
      );
    },
  );

  app.get<{ Params: { collectionId: string; featureId: string } }>(
    '/ogc/collections/:collectionId/items/:featureId',
    {
      config,
      preValidation: onlyParams(['f']),
      schema: {
        tags,
        summary: 'OGC API Features : une entité par son identifiant (BatID, clé d’adresse, couche-id_fcu)',
        params: {
          type: 'object',
          properties: { ...collectionParam, featureId: { type: 'string', maxLength: 200 } },
          required: ['collectionId', 'featureId'],
        },
        querystring: { type: 'object', properties: { f } },
        response: { 200: { description: 'Feature', content: { [GEOJSON_TYPE]: { schema: feature } } } },
      },
    },
    async (req, reply) => {
      const def = collectionOf(req.params.collectionId);
      const { base } = bases(req);
      const found = await ogc.item(def, req.params.featureId);
      if (!found) throw notFound(`no feature ${req.params.featureId} in collection ${def.id}`, 'not_found');
      const self = `${base}/collections/${def.id}/items/${encodeURIComponent(req.params.featureId)}`;
      return reply.type(GEOJSON_TYPE).send(
        featureText(found, [
          { href: self, rel: 'self', type: GEOJSON_TYPE, title: 'cette entité' },
          { href: `${base}/collections/${def.id}`, rel: 'collection', type: JSON_TYPE, title: def.title },
        ]),
      );
    },
  );
}
