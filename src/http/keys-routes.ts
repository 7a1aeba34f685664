import type { FastifyInstance } from 'fastify';
import { audit } from '../auth/audit.js';
import { createKey, KeyInputError, listKeys, revokeKey, ROLES } from '../auth/keys.js';
import type { Store } from '../store/store.js';
import { BEARER } from './auth.js';
import { HttpError } from './errors.js';

/** API keys over HTTP, for admins (the same as `batid keys`); every change is audited. */
export function keysRoutes(app: FastifyInstance, store: Store): void {
  const tag = { tags: ['administration'], security: BEARER };
  app.get(
    '/v1/keys',
    { config: { access: 'admin' }, schema: { ...tag, summary: 'Les clés d’API (jamais leur secret)' } },
    async () => ({ results: await listKeys(store) }),
  );
  app.post<{
    Body: { role: string; territories?: string[]; networks?: string[]; email?: string; label?: string };
  }>(
    '/v1/keys',
    {
      config: { access: 'admin' },
      schema: {
        ...tag,
        summary: 'Créer une clé : le jeton n’est montré qu’une fois',
        body: {
          type: 'object',
          required: ['role'],
          properties: {
            role: { type: 'string', enum: [...ROLES] },
            territories: { type: 'array', items: { type: 'string' }, maxItems: 200 },
            networks: {
              type: 'array',
              items: { type: 'string' },
              maxItems: 200,
              description: 'identifiants SNCU des réseaux d’une clé opérateur (ex. 7501C)',
            },
            email: {
              type: 'string',
              maxLength: 254,
              description: 'adresse de contact (relances des demandes)',
            },
            label: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (req, reply) => {
      try {
        const created = await store.transaction(async (tx) => {
          const c = await createKey(tx, req.body);
          await audit(tx, req.apiKey!, {
            action: 'create',
            entity: 'api_key',
            entity_id: c.key.id,
            after: c.key,
          });
          return c;
        });
        return reply.status(201).send({ ...created.key, token: created.token });
      } catch (err) {
        if (err instanceof KeyInputError) throw new HttpError(400, 'invalid_input', err.message);
        throw err;
      }
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/v1/keys/:id',
    {
      config: { access: 'admin' },
      schema: {
        ...tag,
        summary: 'Révoquer une clé (gardée pour le journal)',
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
    },
    async (req, reply) => {
      const done = await store.transaction(async (tx) => {
        const ok = await revokeKey(tx, req.params.id);
        if (ok)
          await audit(tx, req.apiKey!, { action: 'delete', entity: 'api_key', entity_id: req.params.id });
        return ok;
      });
      if (!done) throw new HttpError(404, 'not_found', `no active key ${req.params.id}`);
      return reply.status(204).send();
    },
  );
}
