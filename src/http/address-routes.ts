import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addressServiceOf, buildingsAtAddress } from '../address/address-service.js';
import type { Store } from '../store/store.js';
import { badRequest } from './errors.js';

/** Longest accepted query: a full French address is under 150 characters. */
export const MAX_QUERY = 200;
/** RNB's rule: an address geocoded below this score is not turned into buildings. */
export const DEFAULT_MIN_SCORE = 0.8;

export const addressHitSchema = {
  type: 'object',
  properties: {
    cle_interop_adr: { type: 'string' },
    label: { type: 'string' },
    score: { type: 'number', minimum: 0, maximum: 1 },
    type: { type: 'string', enum: ['housenumber', 'street', 'municipality'] },
    lon: { type: 'number' },
    lat: { type: 'number' },
    numero: { type: ['integer', 'null'] },
    rep: { type: ['string', 'null'] },
    postcode: { type: ['string', 'null'] },
    citycode: { type: 'string' },
    city: { type: 'string' },
    batids: { type: 'array', items: { type: 'string' } },
  },
  required: ['cle_interop_adr', 'label', 'score', 'lon', 'lat', 'batids'],
} as const;

/** The answer of GET /v1/buildings?address=… */
export const byAddressSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'geocoding_score_is_too_low', 'address_not_found'] },
    address: { anyOf: [addressHitSchema, { type: 'null' }] },
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          batid: { type: 'string' },
          match_reason: { type: 'string', enum: ['ban_link_valid', 'main_address', 'ban_link'] },
          confidence: { type: 'number', minimum: 0, maximum: 1 },
          batiment_groupe_id: { type: 'string' },
        },
        required: ['batid', 'match_reason', 'confidence'],
      },
    },
  },
  required: ['status', 'address', 'results'],
} as const;

function checkQuery(q: string): string {
  const t = q.trim();
  if (!t) throw badRequest('q is empty', 'invalid_parameter');
  if (t.length > MAX_QUERY) throw badRequest(`q is longer than ${MAX_QUERY} characters`, 'invalid_parameter');
  return t;
}

/** Address search, and the buildings at an address (the `address=` form of GET /v1/buildings). */
export function addressRoutes(app: FastifyInstance, store: Store): void {
  const service = addressServiceOf(store);
  app.get<{ Querystring: { q: string; limit?: number; citycode?: string } }>(
    '/v1/addresses/search',
    {
      schema: {
        summary: 'Recherche d’adresse (BAN/BDNB), tolérante aux fautes, avec un score 0..1',
        querystring: {
          type: 'object',
          required: ['q'],
          properties: {
            q: { type: 'string', maxLength: 1000 },
            limit: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
            citycode: { type: 'string', pattern: '^[0-9][0-9AB][0-9]{3}$' },
          },
        },
        response: {
          200: { type: 'object', properties: { results: { type: 'array', items: addressHitSchema } } },
        },
      },
    },
    async (req) => {
      const q = checkQuery(req.query.q);
      return { results: await service.search(q, { limit: req.query.limit, citycode: req.query.citycode }) };
    },
  );
}

/**
 * GET /v1/buildings?address=…: the best address, then its buildings. Below `min_score` the
 * answer says `geocoding_score_is_too_low` (with the address it would have used) and lists no
 * building, rather than guessing.
 */
export function buildingsByAddress(store: Store) {
  const service = addressServiceOf(store);
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    // the querystring was validated by the GET /v1/buildings schema (locate-routes.ts)
    const query = req.query as { address?: string; min_score?: number };
    const q = checkQuery(query.address ?? '');
    const minScore = query.min_score ?? DEFAULT_MIN_SCORE;
    const best = (await service.ready()).best(q);
    if (!best) return { status: 'address_not_found', address: null, results: [] };
    if (best.score < minScore) return { status: 'geocoding_score_is_too_low', address: best, results: [] };
    return { status: 'ok', address: best, results: await buildingsAtAddress(store, best) };
  };
}
