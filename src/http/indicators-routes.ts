import type { FastifyInstance } from 'fastify';
import { indicators, indicatorsCsv } from '../renovation/indicators.js';
import {
  IndicatorInputError,
  TERRITORY_LEVELS,
  type TerritoryLevel,
} from '../renovation/territory-indicators.js';
import type { Store } from '../store/store.js';
import { badRequest } from './errors.js';
import { LONG_HANDLER_TIMEOUT_MS } from './limits.js';

interface IndicatorsQuery {
  level: TerritoryLevel;
  code?: string;
  year?: number;
  format?: 'json' | 'csv';
  reseaux?: boolean;
}

/** Territory indicators (src/renovation/indicators.ts). */
export function indicatorsRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: IndicatorsQuery }>(
    '/v1/indicators',
    {
      handlerTimeout: LONG_HANDLER_TIMEOUT_MS,
      schema: {
        summary: 'Indicateurs territoriaux de la rénovation (commune, EPCI, IRIS, département)',
        description:
          'Par territoire : bâtiments et logements par étiquette DPE (d’origine et avec le facteur électricité 2026), ' +
          'part de passoires F/G, G+, couverture DPE, rénovations détectées par année et par transition d’étiquette, ' +
          'énergies de chauffage, chauffage collectif ou individuel, étiquettes des logements sociaux (RPLS), ' +
          'consommation mesurée médiane par logement (DLE), permis (SITADEL). Chaque part vient avec son numérateur ' +
          'et son dénominateur ({part, n, sur}). Avec year : le parc au 31 décembre de l’année, les rénovations, ' +
          'permis et consommations de l’année. Au niveau département avec reseaux=true, les bâtiments proches d’un ' +
          'réseau de chaleur sous reseaux_chaleur.',
        querystring: {
          type: 'object',
          properties: {
            level: { type: 'string', enum: [...TERRITORY_LEVELS] },
            code: {
              type: 'string',
              description:
                'code du territoire (INSEE commune, SIREN de l’EPCI, code IRIS, département) ; sans lui, tous les territoires',
            },
            year: { type: 'integer', minimum: 1900, maximum: 2100 },
            format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
            reseaux: {
              type: 'boolean',
              default: false,
              description:
                'niveau département : ajouter sous reseaux_chaleur les bâtiments proches d’un réseau de chaleur (calcul spatial, plus long ; aussi GET /v1/indicators/networks)',
            },
          },
          required: ['level'],
        },
      },
    },
    async (req, reply) => {
      const { level, code, year, format, reseaux } = req.query;
      let rows;
      try {
        rows = await indicators(store, { level, code, year }, { networks: reseaux === true });
      } catch (err) {
        if (err instanceof IndicatorInputError) throw badRequest(err.message, 'invalid_territory');
        throw err;
      }
      if (format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="indicateurs-${level}${code ? `-${code}` : ''}.csv"`,
          )
          .send(indicatorsCsv(rows));
      return { level, year: year ?? null, results: rows };
    },
  );
}
