import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  buildingsAt,
  closestBuildings,
  CLOSEST_MAX_LIMIT,
  CLOSEST_MAX_RADIUS_M,
  LIST_MAX_LIMIT,
  listBuildings,
  LocateInputError,
  parseBbox,
} from '../buildings/locate.js';
import type { Store } from '../store/store.js';
import { badRequest } from './errors.js';

export interface LocateRoutesOptions {
  /** Serves `GET /v1/buildings?address=…` (the address module); without it that form answers 400. */
  byAddress?: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /** The 200 schema of `byAddress`'s answer, for validation-free serialisation and OpenAPI; any object when absent. */
  byAddressResponse?: object;
}

const lonLat = {
  lon: { type: 'number', minimum: -180, maximum: 180, description: 'longitude WGS84' },
  lat: { type: 'number', minimum: -90, maximum: 90, description: 'latitude WGS84' },
} as const;

const nearBuilding = {
  batid: { type: 'string' },
  distance_m: { type: 'number', description: 'distance à l’emprise au sol, 0 à l’intérieur (0,1 m)' },
  batiment_construction_id: { type: ['string', 'null'] },
  batiment_groupe_id: { type: ['string', 'null'] },
  code_departement_insee: { type: 'string' },
} as const;

const listedBuilding = {
  type: 'object',
  properties: {
    batid: { type: 'string' },
    status: { type: 'string' },
    code_commune_insee: { type: ['string', 'null'] },
    lon: { type: ['number', 'null'], description: 'un point de l’emprise (WGS84)' },
    lat: { type: ['number', 'null'] },
  },
  required: ['batid', 'status', 'lon', 'lat'],
} as const;

const buildingPage = {
  type: 'object',
  properties: {
    results: { type: 'array', items: listedBuilding },
    next_cursor: { type: ['string', 'null'], description: 'à repasser en cursor= pour la page suivante' },
  },
  required: ['results', 'next_cursor'],
} as const;

type ListQuery = {
  bbox?: string;
  commune?: string;
  address?: string;
  min_score?: number;
  limit: number;
  cursor?: string;
};

/** Service input errors → 400 with their stable code. */
async function mapInputErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LocateInputError) throw badRequest(err.message, err.code);
    throw err;
  }
}

/** Buildings by place: at a point, nearest to a point, listed by bbox or commune. The logic is in src/buildings/locate.ts. */
export function locateRoutes(app: FastifyInstance, store: Store, opts: LocateRoutesOptions = {}): void {
  app.get<{ Querystring: { lon: number; lat: number } }>(
    '/v1/buildings/at',
    {
      schema: {
        summary:
          'Le bâtiment en un point : celui dont l’emprise le contient, sinon le plus proche s’il est à ≤ 8 m et isolé (le deuxième à ≥ max(10 m, 3 × le premier))',
        querystring: { type: 'object', required: ['lon', 'lat'], properties: lonLat },
        response: {
          200: {
            type: 'object',
            properties: {
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    ...nearBuilding,
                    match_reason: { type: 'string', enum: ['inside', 'closest_isolated'] },
                  },
                  required: ['batid', 'match_reason', 'distance_m', 'code_departement_insee'],
                },
              },
            },
          },
        },
      },
    },
    async (req) => ({ results: await buildingsAt(store, req.query) }),
  );

  app.get<{ Querystring: { lon: number; lat: number; radius: number; limit: number } }>(
    '/v1/buildings/closest',
    {
      schema: {
        summary:
          'Les bâtiments les plus proches d’un point, dans un rayon en mètres, du plus proche au plus loin',
        querystring: {
          type: 'object',
          required: ['lon', 'lat'],
          properties: {
            ...lonLat,
            radius: { type: 'number', exclusiveMinimum: 0, maximum: CLOSEST_MAX_RADIUS_M, default: 50 },
            limit: { type: 'integer', minimum: 1, maximum: CLOSEST_MAX_LIMIT, default: 10 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: nearBuilding,
                  required: ['batid', 'distance_m', 'code_departement_insee'],
                },
              },
            },
          },
        },
      },
    },
    async (req) => ({
      results: await closestBuildings(store, req.query, req.query.radius, req.query.limit),
    }),
  );

  app.get<{ Querystring: ListQuery }>(
    '/v1/buildings',
    {
      schema: {
        summary:
          'Les bâtiments d’une emprise (bbox), d’une commune (code INSEE) ou d’une adresse — un seul des trois ; pagination par curseur',
        querystring: {
          type: 'object',
          properties: {
            bbox: {
              type: 'string',
              maxLength: 100,
              description: 'minLon,minLat,maxLon,maxLat en WGS84, 0,5° de côté au plus',
            },
            commune: { type: 'string', pattern: '^([0-9]{2}|2[AB])[0-9]{3}$', description: 'code INSEE' },
            address: { type: 'string', maxLength: 200, description: 'une adresse en texte libre' },
            min_score: { type: 'number', minimum: 0, maximum: 1, description: 'avec address' },
            limit: { type: 'integer', minimum: 1, maximum: LIST_MAX_LIMIT, default: 100 },
            cursor: { type: 'string', maxLength: 100, description: 'le next_cursor de la page précédente' },
          },
        },
        response: {
          // the address form answers its own shape; the listing's is tried first (it requires next_cursor)
          200: opts.byAddress
            ? {
                anyOf: [
                  buildingPage,
                  opts.byAddressResponse ?? { type: 'object', additionalProperties: true },
                ],
              }
            : buildingPage,
        },
      },
    },
    async (req, reply) => {
      const { bbox, commune, address, limit, cursor } = req.query;
      const given = [bbox, commune, address].filter((x) => x !== undefined).length;
      if (given !== 1)
        throw badRequest(
          `expected exactly one of bbox, commune or address, got ${given}`,
          'invalid_parameter',
        );
      if (address !== undefined) {
        if (!opts.byAddress) throw badRequest('address search is not available here', 'invalid_parameter');
        return opts.byAddress(req, reply);
      }
      return mapInputErrors(() => {
        const where = bbox !== undefined ? { bbox: parseBbox(bbox) } : { commune: commune ?? '' };
        return listBuildings(store, { ...where, limit, cursor });
      });
    },
  );
}
