import type { FastifyInstance, FastifyReply } from 'fastify';
import { buildingCard } from '../buildings/card.js';
import { dpeHistory } from '../renovation/dpe-history.js';
import { parseBatid } from '../ids/batid.js';
import { resolve } from '../ids/resolve.js';
import type { Store } from '../store/store.js';
import { badRequest, notFound } from './errors.js';
import { seesOwners } from './access.js';

/** The building card. Routes adapt HTTP; the card is built in src/buildings. */
export function buildingsRoutes(app: FastifyInstance, store: Store): void {
  /** What `get` answers for a BatID given in the path: 400 if malformed, 404 if unknown. */
  const found = async <T>(raw: string, get: (batid: string) => Promise<T | null>): Promise<T> => {
    const p = parseBatid(raw);
    if (!p.ok) throw badRequest(p.error, 'invalid_batid');
    const r = await get(p.batid);
    if (!r) throw notFound(`no building ${p.batid}`, 'unknown_batid');
    return r;
  };
  /** A retired BatID: 301 with its successors (Location when there is one). */
  const retired = async (reply: FastifyReply, batid: string, suffix: string) => {
    const s = (await resolve(store, 'batid', batid))[0]?.successors ?? [];
    if (s.length === 1) reply.header('location', `/v1/buildings/${s[0]}${suffix}`);
    return reply.status(301).send({ batid, status: 'retired', successors: s });
  };

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
      const card = await found(req.params.batid, (b) => buildingCard(store, b));
      if (card.status === 'retired') return retired(reply, card.batid, '');
      // owners (legal persons) are shown to pro keys only
      if (card.sections.proprietaires && !seesOwners(req)) {
        delete card.sections.proprietaires;
        card.restricted = { proprietaires: 'réservé aux clés d’API pro (Authorization: Bearer …)' };
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

  app.get<{ Params: { batid: string } }>(
    '/v1/buildings/:batid/dpe',
    {
      schema: {
        summary: 'Historique des DPE du bâtiment et rénovations détectées',
        description:
          'Tous les DPE du bâtiment (par son groupe BDNB) par date : méthode (2021 ou antérieure), étiquette, kWh EP/m², ' +
          'GES, chauffage, étiquette recalculée avec le facteur électricité 2026 (1,9), logement décrit, DPE qui le ' +
          'corrige ; puis les rénovations détectées entre DPE successifs valides (méthode 2021) d’un même logement.',
        params: { type: 'object', properties: { batid: { type: 'string' } }, required: ['batid'] },
      },
    },
    async (req, reply) => {
      const h = await found(req.params.batid, (b) => dpeHistory(store, b));
      if (h.status === 'retired') return retired(reply, h.batid, '/dpe');
      return h;
    },
  );
}
