import type { FastifyInstance } from 'fastify';
import { buildingCard } from '../buildings/card.js';
import { parseBatid } from '../ids/batid.js';
import { resolve } from '../ids/resolve.js';
import type { Store } from '../store/store.js';
import { badRequest, notFound } from './errors.js';

/** The building card. Routes adapt HTTP; the card is built in src/buildings. */
export function buildingsRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Params: { batid: string }; Querystring: { format?: 'json' | 'geojson' } }>(
    '/v1/buildings/:batid',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { format: { type: 'string', enum: ['json', 'geojson'] } },
        },
      },
    },
    async (req, reply) => {
      const p = parseBatid(req.params.batid);
      if (!p.ok) throw badRequest(p.error, 'invalid_batid');
      const card = await buildingCard(store, p.batid);
      if (!card) throw notFound(`no building ${p.batid}`, 'unknown_batid');
      if (card.status === 'retired') {
        const s = (await resolve(store, 'batid', p.batid))[0]?.successors ?? [];
        if (s.length === 1) reply.header('location', `/v1/buildings/${s[0]}`);
        return reply.status(301).send({ batid: card.batid, status: card.status, successors: s });
      }
      // DVF-derived sections may not be indexed by search engines
      if (card.sections.ventes) reply.header('x-robots-tag', 'noindex');
      if (req.query.format === 'geojson') {
        const { geometry, ...properties } = card;
        return { type: 'Feature', id: card.batid, geometry, properties };
      }
      return card;
    },
  );
}
