import { Readable } from 'node:stream';
import { writeProspectsXlsx } from '../networks/prospects-xlsx.js';
import type { FastifyInstance } from 'fastify';
import { networkProximity, PROXIMITY_BANDS_M, ProximityInputError } from '../networks/network-proximity.js';
import {
  HEATING_KINDS,
  PROSPECT_DEFAULT_DISTANCE_M,
  PROSPECT_MAX_DISTANCE_M,
  PROSPECT_MAX_LIMIT,
  ProspectInputError,
  prospects,
  prospectRows,
  prospectsCsv,
  type ProspectParams,
} from '../networks/prospects.js';
import type { Store } from '../store/store.js';
import { badRequest, notFound } from './errors.js';
import { sendXlsx } from './xlsx-reply.js';
import { LONG_HANDLER_TIMEOUT_MS } from './limits.js';

const nullable = (type: string, description?: string) => ({
  type: [type, 'null'],
  ...(description ? { description } : {}),
});

const prospect = {
  type: 'object',
  properties: {
    batid: { type: 'string' },
    batiment_groupe_id: { type: 'string', description: 'groupe de bâtiments BDNB dont viennent les données' },
    code_departement_insee: { type: 'string' },
    code_commune_insee: nullable('string'),
    address: nullable('string', 'adresse principale BAN du groupe de bâtiments'),
    dwellings: nullable(
      'integer',
      'logements du groupe (fichiers fonciers, à défaut registre des copropriétés)',
    ),
    dpe_label: nullable('string', 'étiquette du DPE représentatif (A à G)'),
    construction_year: nullable('integer', 'fichiers fonciers, à défaut DPE'),
    copro_name: nullable('string', 'registre national des copropriétés'),
    heating: {
      type: 'object',
      description: 'chauffage du DPE représentatif',
      properties: {
        installation: nullable('string', 'type_installation_chauffage (collectif)'),
        energy: nullable('string', 'type_energie_chauffage (gaz, fioul…)'),
        kind: { type: 'string', enum: ['collectif_gaz', 'collectif_fioul'] },
      },
      required: ['installation', 'energy', 'kind'],
    },
    distance_m: { type: 'number', description: 'distance de l’emprise au réseau le plus proche (0,1 m)' },
    network: {
      type: 'object',
      description: 'le réseau de chaleur ouvert le plus proche (celui demandé avec network=)',
      properties: {
        id_fcu: { type: 'integer' },
        sncu_id: nullable('string', 'identifiant SNCU (ex. 7501C)'),
        name: nullable('string'),
        operator: nullable('string', 'gestionnaire'),
      },
      required: ['id_fcu', 'sncu_id', 'name', 'operator'],
    },
    lon: { type: 'number', description: 'un point de l’emprise (WGS84)' },
    lat: { type: 'number' },
  },
  required: ['batid', 'distance_m', 'network', 'heating', 'lon', 'lat'],
} as const;

const counts = {
  type: 'object',
  properties: Object.fromEntries(HEATING_KINDS.map((k) => [k, { type: 'integer' }])),
  required: [...HEATING_KINDS],
};

const band = {
  type: 'object',
  properties: {
    batiments: counts,
    logements: counts,
    nb_batiments: {
      type: 'integer',
      description: 'bâtiments raccordables : gaz collectif + fioul collectif',
    },
    nb_logements: { type: 'integer', description: 'leurs logements' },
  },
  required: ['batiments', 'logements', 'nb_batiments', 'nb_logements'],
};

const departementProximity = {
  type: 'object',
  properties: {
    departement_code: { type: 'string' },
    departement_nom: nullable('string'),
    region_code: nullable('string'),
    region_nom: nullable('string'),
    nb_reseaux: {
      type: 'integer',
      description: 'réseaux de chaleur dont une commune est dans le département',
    },
    taux_enrr: nullable(
      'number',
      'taux EnR&R de ces réseaux (%), pondéré par les livraisons quand elles sont connues',
    ),
    ...Object.fromEntries(
      PROXIMITY_BANDS_M.map((m) => [`${m}m`, { ...band, description: `à ${m} m au plus` }]),
    ),
  },
  required: ['departement_code', 'nb_reseaux', 'taux_enrr', ...PROXIMITY_BANDS_M.map((m) => `${m}m`)],
};

type ProspectsQuery = {
  commune?: string;
  network?: string;
  bbox?: string;
  distance_m: number;
  limit: number;
  cursor?: string;
  format: 'json' | 'csv' | 'xlsx';
};

/** Service input errors → 400 (404 for a network that does not exist), with their stable code. */
async function mapInputErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProspectInputError)
      throw err.code === 'unknown_network'
        ? notFound(err.message, err.code)
        : badRequest(err.message, err.code);
    if (err instanceof ProximityInputError) throw badRequest(err.message, err.code);
    throw err;
  }
}

/** Heat-network prospects and proximity indicators. The logic is in src/networks/. */
export function prospectsRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: ProspectsQuery }>(
    '/v1/prospects',
    {
      config: { access: 'pro' },
      handlerTimeout: LONG_HANDLER_TIMEOUT_MS,
      schema: {
        summary:
          'Prospects d’un réseau de chaleur : bâtiments chauffés au gaz ou au fioul collectif à moins de distance_m d’un réseau de chaleur ouvert aux raccordements (tracé connu) — dans une commune, autour d’un réseau ou dans une emprise, un seul des trois ; pagination par curseur, ou toutes les lignes en CSV',
        querystring: {
          type: 'object',
          properties: {
            commune: { type: 'string', pattern: '^([0-9]{2}|2[AB])[0-9]{3}$', description: 'code INSEE' },
            network: {
              type: 'string',
              maxLength: 20,
              description: 'un réseau de chaleur : identifiant FCU (chiffres) ou SNCU (ex. 7501C)',
            },
            bbox: {
              type: 'string',
              maxLength: 100,
              description: 'minLon,minLat,maxLon,maxLat en WGS84, 0,5° de côté au plus',
            },
            distance_m: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: PROSPECT_MAX_DISTANCE_M,
              default: PROSPECT_DEFAULT_DISTANCE_M,
              description: 'distance maximale de l’emprise du bâtiment au réseau, en mètres',
            },
            limit: { type: 'integer', minimum: 1, maximum: PROSPECT_MAX_LIMIT, default: 100 },
            cursor: { type: 'string', maxLength: 100, description: 'le next_cursor de la page précédente' },
            format: {
              type: 'string',
              enum: ['json', 'csv', 'xlsx'],
              default: 'json',
              description: 'csv ou xlsx : toutes les lignes (limit et cursor ignorés), en-têtes en français',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              results: { type: 'array', items: prospect },
              next_cursor: {
                type: ['string', 'null'],
                description: 'à repasser en cursor= pour la page suivante',
              },
            },
            required: ['results', 'next_cursor'],
          },
        },
      },
    },
    async (req, reply) => {
      const { commune, network, bbox, distance_m, limit, cursor, format } = req.query;
      const params: ProspectParams = { commune, network, bbox, distanceM: distance_m, limit, cursor };
      if (format === 'csv') {
        // checked (and the network found) before the first byte, so errors are still 4xx
        const body = await mapInputErrors(() => prospectsCsv(store, params));
        void reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="prospects.csv"');
        return reply.send(Readable.from(body));
      }
      if (format === 'xlsx') {
        const rows = await mapInputErrors(() => prospectRows(store, params));
        return sendXlsx(reply, 'prospects.xlsx', (path) => writeProspectsXlsx(rows, path));
      }
      return mapInputErrors(() => prospects(store, params));
    },
  );

  app.get<{ Querystring: { dept?: string } }>(
    '/v1/indicators/networks',
    {
      handlerTimeout: LONG_HANDLER_TIMEOUT_MS,
      schema: {
        summary:
          'Bâtiments et logements à 50, 100 et 150 m d’un réseau de chaleur ouvert, par département et par mode de chauffage (gaz collectif, fioul collectif, gaz individuel), nombre de réseaux et taux EnR&R — la présentation des statistiques France Chaleur Urbaine',
        querystring: {
          type: 'object',
          properties: {
            dept: {
              type: 'string',
              pattern: '^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-6])$',
              description: 'code du département ; sans lui, chaque département importé',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { results: { type: 'array', items: departementProximity } },
            required: ['results'],
          },
        },
      },
    },
    async (req) => ({
      results: await mapInputErrors(() => networkProximity(store, { dept: req.query.dept })),
    }),
  );
}
