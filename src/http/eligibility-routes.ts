import type { FastifyInstance } from 'fastify';
import { ELIGIBILITY_TYPES } from '../networks/eligibility-rules.js';
import {
  EligibilityNotFoundError,
  eligibilityOfAddress,
  eligibilityOfBuilding,
  eligibilityOfPoint,
  NetworksNotLoadedError,
} from '../networks/eligibility-service.js';
import { singleTestCounter } from '../stats/usage.js';
import type { Store } from '../store/store.js';
import { badRequest, HttpError, notFound } from './errors.js';

const nullableNumber = { type: ['number', 'null'] } as const;
const nullableString = { type: ['string', 'null'] } as const;

/** The 200 answer of GET /v1/eligibility (also used by the bulk results). */
export const eligibilitySchema = {
  type: 'object',
  properties: {
    type: {
      type: 'string',
      enum: [...ELIGIBILITY_TYPES],
      description: 'le type d’éligibilité France Chaleur Urbaine',
    },
    eligible: { type: 'boolean' },
    distance_m: {
      ...nullableNumber,
      description: 'distance au réseau retenu (m), null dans une zone ou sans tracé',
    },
    network: {
      type: ['object', 'null'],
      properties: {
        id_fcu: { type: 'integer' },
        sncu_id: { ...nullableString, description: 'identifiant SNCU, ex. 7501C' },
        name: nullableString,
        operator: { ...nullableString, description: 'gestionnaire' },
        enrr_rate: { ...nullableNumber, description: 'taux EnR&R (%)' },
        co2_acv: { ...nullableNumber, description: 'contenu CO2 en analyse de cycle de vie (kg/kWh)' },
      },
    },
    in_pdp: { type: 'boolean', description: 'dans un périmètre de développement prioritaire' },
    future_network: { type: 'boolean', description: 'le réseau retenu est en construction' },
    untraced_network_in_commune: { type: 'boolean' },
    assigned_network_id: {
      type: ['integer', 'null'],
      description: 'réseau auquel une demande serait affectée',
    },
    heating: {
      type: ['object', 'null'],
      properties: { installation: nullableString, energy: nullableString, source: { type: 'string' } },
    },
    message: { type: 'string', description: 'ce que le résultat signifie, en une ou deux phrases' },
    place: {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: ['address', 'point', 'building'] },
        lon: { type: 'number' },
        lat: { type: 'number' },
        commune: nullableString,
        batid: nullableString,
        address: {
          type: ['object', 'null'],
          properties: {
            cle_interop_adr: { type: 'string' },
            label: { type: 'string' },
            score: { type: 'number' },
          },
        },
      },
    },
    networks_version: { type: 'integer' },
  },
  required: ['type', 'eligible', 'distance_m', 'network', 'in_pdp', 'future_network', 'message', 'place'],
} as const;

type Query = { address?: string; lon?: number; lat?: number; batid?: string };

/** Heat-network eligibility (src/networks/). */
export function eligibilityRoutes(app: FastifyInstance, store: Store): void {
  // counted for the public statistics (GET /v1/stats), in memory then every few seconds
  const tests = singleTestCounter(app, store);
  app.get<{ Querystring: Query }>(
    '/v1/eligibility',
    {
      schema: {
        summary:
          'Éligibilité à un réseau de chaleur d’une adresse, d’un point (lon, lat) ou d’un bâtiment (batid, mesurée depuis son emprise) — règles France Chaleur Urbaine',
        querystring: {
          type: 'object',
          properties: {
            address: { type: 'string', minLength: 1, maxLength: 300 },
            lon: { type: 'number', minimum: -180, maximum: 180 },
            lat: { type: 'number', minimum: -90, maximum: 90 },
            batid: { type: 'string', minLength: 12, maxLength: 14 },
          },
        },
        response: { 200: eligibilitySchema },
      },
    },
    async (req) => {
      const { address, lon, lat, batid } = req.query;
      const point = lon !== undefined || lat !== undefined;
      const given = [address !== undefined, point, batid !== undefined].filter(Boolean).length;
      if (given !== 1)
        throw badRequest(
          `expected exactly one of address, lon+lat or batid, got ${given}`,
          'invalid_parameter',
        );
      if (point && (lon === undefined || lat === undefined))
        throw badRequest('lon and lat go together', 'invalid_parameter');
      try {
        const result =
          address !== undefined
            ? await eligibilityOfAddress(store, address)
            : batid !== undefined
              ? await eligibilityOfBuilding(store, batid.replace(/-/g, '').toUpperCase())
              : await eligibilityOfPoint(store, lon!, lat!);
        tests.add(result.eligible);
        return result;
      } catch (err) {
        if (err instanceof EligibilityNotFoundError) throw notFound(err.message, err.code);
        if (err instanceof NetworksNotLoadedError)
          throw new HttpError(503, 'networks_not_loaded', err.message);
        throw err;
      }
    },
  );
}
