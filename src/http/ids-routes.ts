import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { parseBatid } from '../ids/batid.js';
import { changeCsvHeader, changeCsvLine, changesSince, history } from '../ids/history.js';
import { linkedIds } from '../ids/linked-ids.js';
import { resolve, ResolveInputError, SCHEMES } from '../ids/resolve.js';
import type { Store } from '../store/store.js';
import { badRequest, notFound } from './errors.js';
import { LONG_HANDLER_TIMEOUT_MS } from './limits.js';

/** Identifier routes: resolve, lifecycle history, change feed. They adapt HTTP; the logic is in src/ids. */
export function idsRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: { scheme: string; id: string } }>(
    '/v1/resolve',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['scheme', 'id'],
          properties: {
            scheme: { type: 'string', enum: [...SCHEMES] },
            id: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
      },
    },
    async (req) => {
      let matches;
      try {
        matches = await resolve(store, req.query.scheme, req.query.id);
      } catch (err) {
        if (err instanceof ResolveInputError) throw badRequest(err.message, 'invalid_id');
        throw err;
      }
      if (!matches.length)
        throw notFound(`no building for ${req.query.scheme} ${req.query.id}`, 'unknown_id');
      const out = [];
      for (const m of matches) out.push({ ...m, ids: (await linkedIds(store, m.batid))?.ids ?? {} });
      return { matches: out };
    },
  );

  app.get<{ Params: { batid: string } }>('/v1/buildings/:batid/history', async (req) => {
    const p = parseBatid(req.params.batid);
    if (!p.ok) throw badRequest(p.error, 'invalid_batid');
    const events = await history(store, p.batid);
    if (!events.length) throw notFound(`no building ${p.batid}`, 'unknown_batid');
    return { batid: p.batid, events };
  });

  app.get<{ Querystring: { since: string; dept?: string; format?: 'ndjson' | 'csv' } }>(
    '/v1/changes',
    {
      handlerTimeout: LONG_HANDLER_TIMEOUT_MS,
      schema: {
        querystring: {
          type: 'object',
          required: ['since'],
          properties: {
            since: { type: 'string', minLength: 4, maxLength: 40 },
            dept: { type: 'string', pattern: '^(0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-6])$' },
            format: { type: 'string', enum: ['ndjson', 'csv'] },
          },
        },
      },
    },
    async (req, reply) => {
      const since = new Date(req.query.since);
      if (Number.isNaN(since.getTime()))
        throw badRequest(`since: expected an ISO 8601 instant, got "${req.query.since}"`, 'invalid_since');
      const csv = req.query.format === 'csv';
      reply.header('content-type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      const body = async function* () {
        if (csv) yield changeCsvHeader();
        for await (const page of changesSince(store, since, req.query.dept)) {
          yield page.map((e) => (csv ? changeCsvLine(e) : `${JSON.stringify(e)}\n`)).join('');
        }
      };
      return reply.send(Readable.from(body()));
    },
  );
}
