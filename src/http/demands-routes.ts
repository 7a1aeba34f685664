import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  HEATING_ENERGIES,
  HEATING_ENERGY_LABELS,
  HEATING_MODES,
  HEATING_MODE_LABELS,
  REQUESTER_TYPES,
  REQUESTER_TYPE_LABELS,
  STATUSES,
  STATUS_LABELS,
  type DemandCreated,
} from '../demands/api-types.js';
import { demandsCsv, writeDemandsXlsx } from '../demands/demand-export.js';
import { DemandInputError, parseDemandInput, type DemandInput } from '../demands/demand-input.js';
import { confirmationMail } from '../demands/demand-mail.js';
import { createDemand, followView, withdrawDemand } from '../demands/demand-service.js';
import { retentionDaysFromEnv } from '../demands/erase.js';
import { reminderRows, staleDemands } from '../demands/reminder-job.js';
import {
  addComment,
  auditReads,
  changeStatus,
  commentOf,
  demandForKey,
  demandsForExport,
  DemandNotFoundError,
  listDemands,
  type DemandFilter,
} from '../demands/workspace.js';
import { mailerFromEnv, type Mailer } from '../mail/mailer.js';
import { EligibilityNotFoundError, NetworksNotLoadedError } from '../networks/eligibility-service.js';
import type { Store } from '../store/store.js';
import { BEARER } from './auth.js';
import { HttpError, notFound } from './errors.js';
import { sendXlsx } from './xlsx-reply.js';

/** Our domain errors as HTTP errors, in one place. */
function httpError(err: unknown): unknown {
  if (err instanceof DemandInputError) return new HttpError(400, err.code, err.message);
  if (err instanceof DemandNotFoundError) return notFound(err.message);
  if (err instanceof EligibilityNotFoundError) return new HttpError(400, err.code, err.message);
  if (err instanceof NetworksNotLoadedError) return new HttpError(503, 'networks_not_loaded', err.message);
  return err;
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw httpError(err);
  }
}

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const eligibilitySchema = {
  type: 'object',
  properties: {
    type: { type: 'string', description: 'type d’éligibilité France Chaleur Urbaine' },
    eligible: { type: 'boolean' },
    distance_m: { type: ['integer', 'null'] },
  },
} as const;

const summaryProps = {
  id: str,
  created_at: str,
  updated_at: str,
  status: { type: 'string', enum: [...STATUSES] },
  status_label: str,
  status_changed_at: str,
  closed_at: nullableStr,
  requester_type: { type: 'string', enum: [...REQUESTER_TYPES] },
  requester_type_label: str,
  name: str,
  email: str,
  phone: nullableStr,
  address: str,
  cle_interop_adr: nullableStr,
  batid: nullableStr,
  code_commune_insee: nullableStr,
  code_departement_insee: nullableStr,
  code_epci_insee: nullableStr,
  heating_mode: { type: ['string', 'null'], enum: [...HEATING_MODES, null] },
  heating_energy: { type: ['string', 'null'], enum: [...HEATING_ENERGIES, null] },
  dwellings: { type: ['integer', 'null'] },
  message: str,
  consent_at: str,
  eligibility: eligibilitySchema,
  assigned_to: { type: 'string', enum: ['network', 'territory'] },
  network: {
    type: ['object', 'null'],
    properties: { id_fcu: { type: ['integer', 'null'] }, sncu_id: str, name: nullableStr },
  },
} as const;
const summarySchema = { type: 'object', properties: summaryProps } as const;

const detailSchema = {
  type: 'object',
  properties: {
    ...summaryProps,
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          at: str,
          kind: { type: 'string', enum: ['created', 'status', 'comment'] },
          from_status: nullableStr,
          status: nullableStr,
          status_label: nullableStr,
          text: nullableStr,
          visible_to_requester: { type: 'boolean' },
          author: { type: 'object', properties: { key_id: str, label: str } },
        },
      },
    },
    reminders: {
      type: 'array',
      items: {
        type: 'object',
        properties: { rank: { type: 'integer' }, period_start: str, sent_at: str },
      },
    },
  },
} as const;

const filterQs = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: {
      type: 'string',
      description: `statut(s), séparés par des virgules : ${STATUSES.join(', ')}`,
    },
    since: {
      type: 'string',
      description: 'modifiées (création, statut, commentaire) depuis cet instant ISO 8601',
    },
    network: { type: 'string', description: 'identifiant SNCU d’un réseau' },
  },
} as const;

const idParams = { type: 'object', properties: { id: str }, required: ['id'] } as const;
const tokenParams = { type: 'object', properties: { token: str }, required: ['token'] } as const;

type FilterQuery = { status?: string; since?: string; network?: string; limit?: number; cursor?: string };
const filterOf = (q: FilterQuery): DemandFilter => ({
  status: q.status
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  since: q.since,
  network: q.network,
  limit: q.limit,
  cursor: q.cursor,
});

/** Where the requester's follow page is: BATID_PUBLIC_URL, else the host the request came to. */
function baseUrl(req: FastifyRequest): string {
  const env = process.env.BATID_PUBLIC_URL?.trim();
  return (env || `${req.protocol}://${req.host}`).replace(/\/+$/, '');
}

/**
 * Contact requests (issue 11): the requester's routes (public; the follow token is the only key)
 * and the operator workspace, which is also the partner API (Bearer key): operators see the
 * demands of their networks, advisors those of their territory, admins all; a demand outside the
 * key's scope is a 404. Every read of a demand by a key is in the audit trail.
 */
export function demandsRoutes(
  app: FastifyInstance,
  store: Store,
  opts: { mailer?: Mailer | null; retentionDays?: number } = {},
): void {
  const mailer = opts.mailer === undefined ? mailerFromEnv() : opts.mailer;
  const retentionDays = opts.retentionDays ?? retentionDaysFromEnv(process.env.BATID_DEMANDS_RETENTION_DAYS);
  if (mailer) app.addHook('onClose', async () => mailer.close());
  const pub = { tags: ['demandes de raccordement'] };
  const tag = { tags: ['demandes de raccordement'], security: BEARER };
  const key = (req: FastifyRequest) => req.apiKey!;

  app.get(
    '/v1/demands/reference',
    {
      schema: {
        ...pub,
        summary: 'Codes et libellés des demandes : types de demandeur, statuts, chauffage',
      },
    },
    async () => ({
      requester_types: REQUESTER_TYPES.map((code) => ({ code, label: REQUESTER_TYPE_LABELS[code] })),
      statuses: STATUSES.map((code) => ({ code, label: STATUS_LABELS[code] })),
      heating_modes: HEATING_MODES.map((code) => ({ code, label: HEATING_MODE_LABELS[code] })),
      heating_energies: HEATING_ENERGIES.map((code) => ({ code, label: HEATING_ENERGY_LABELS[code] })),
      retention_days_after_closing: retentionDays,
    }),
  );

  // the body is checked as sent (before the schema's type coercion: consent must be the boolean true)
  const parsed = new WeakMap<FastifyRequest, DemandInput>();
  app.post<{ Body: Record<string, unknown> }>(
    '/v1/demands',
    {
      preValidation: async (req) => {
        const body = req.body;
        if (!body || typeof body !== 'object' || Array.isArray(body))
          throw new HttpError(400, 'invalid_input', 'expected a JSON object');
        parsed.set(req, await mapped(async () => parseDemandInput(body)));
      },
      schema: {
        ...pub,
        summary:
          'Demander à être recontacté après un résultat d’éligibilité : la demande va au gestionnaire du réseau (éligible ou à moins de 500 m) ou aux conseillers du territoire',
        body: {
          type: 'object',
          required: ['requester_type', 'name', 'email', 'consent'],
          properties: {
            requester_type: { type: 'string', enum: [...REQUESTER_TYPES] },
            name: { type: 'string', maxLength: 200 },
            email: { type: 'string', maxLength: 254 },
            phone: { type: 'string', maxLength: 40, description: 'numéro français, ex. 06 12 34 56 78' },
            address: { type: 'string', maxLength: 300, description: 'adresse (ou batid) obligatoire' },
            batid: { type: 'string', maxLength: 20 },
            heating_mode: { type: 'string', enum: [...HEATING_MODES] },
            heating_energy: { type: 'string', enum: [...HEATING_ENERGIES] },
            dwellings: { type: 'integer', minimum: 1, maximum: 100000 },
            message: { type: 'string', maxLength: 2000 },
            consent: {
              type: 'boolean',
              description: 'doit valoir true : accord pour être recontacté au sujet de cette demande',
            },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              id: str,
              status: str,
              status_label: str,
              follow_url: str,
              follow_api_url: str,
              assigned_to: { type: 'string', enum: ['network', 'territory'] },
              network: {
                type: ['object', 'null'],
                properties: { id_fcu: { type: 'integer' }, sncu_id: str, name: nullableStr },
              },
              eligibility: eligibilitySchema,
              confirmation_email: { type: 'string', enum: ['sent', 'not_configured', 'failed'] },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const input = parsed.get(req)!;
      const d = await mapped(() => createDemand(store, input));
      const base = baseUrl(req);
      const followUrl = `${base}/suivi-demande/${d.token}`;
      let confirmation: DemandCreated['confirmation_email'] = 'not_configured';
      if (mailer) {
        try {
          await mailer.send(
            confirmationMail({
              to: input.email,
              name: input.name,
              address: d.address,
              eligible: d.eligibility.eligible,
              assignment: d.assignment,
              followUrl,
              retentionDays,
            }),
          );
          confirmation = 'sent';
        } catch (err) {
          req.log.error(err, 'demand confirmation e-mail not sent');
          confirmation = 'failed';
        }
      }
      const body: DemandCreated = {
        id: d.id,
        status: d.status,
        status_label: STATUS_LABELS[d.status],
        follow_url: followUrl,
        follow_api_url: `${base}/v1/demands/follow/${d.token}`,
        assigned_to: d.assignment.assignedTo,
        network: d.assignment.assignedTo === 'network' ? d.assignment.network : null,
        eligibility: {
          type: d.eligibility.type,
          eligible: d.eligibility.eligible,
          distance_m: d.eligibility.distance_m,
        },
        confirmation_email: confirmation,
      };
      return reply.status(201).header('cache-control', 'no-store').send(body);
    },
  );

  app.get<{ Params: { token: string } }>(
    '/v1/demands/follow/:token',
    {
      schema: {
        ...pub,
        summary: 'Suivi d’une demande par son demandeur (lien reçu par e-mail) : statut et historique daté',
        params: tokenParams,
      },
    },
    async (req, reply) => {
      const v = await followView(store, req.params.token);
      if (!v) throw notFound('no demand for this link (unknown, or withdrawn and erased)');
      return reply.header('cache-control', 'no-store').send(v);
    },
  );

  app.delete<{ Params: { token: string } }>(
    '/v1/demands/follow/:token',
    {
      schema: {
        ...pub,
        summary: 'Retirer sa demande : elle est effacée aussitôt (seuls des comptes anonymes restent)',
        params: tokenParams,
      },
    },
    async (req, reply) => {
      if (!(await withdrawDemand(store, req.params.token)))
        throw notFound('no demand for this link (unknown, or already withdrawn)');
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: FilterQuery }>(
    '/v1/demands',
    {
      config: { access: 'operator' },
      schema: {
        ...tag,
        summary:
          'Demandes de la clé (réseaux de l’opérateur, territoire du conseiller, toutes pour un admin), les plus récentes d’abord',
        querystring: {
          ...filterQs,
          properties: {
            ...filterQs.properties,
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            cursor: { type: 'string', description: 'next_cursor de la page précédente' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { results: { type: 'array', items: summarySchema }, next_cursor: nullableStr },
          },
        },
      },
    },
    async (req) => mapped(() => listDemands(store, key(req), filterOf(req.query))),
  );

  const exported = async (req: FastifyRequest<{ Querystring: FilterQuery }>, via: string) =>
    mapped(() => demandsForExport(store, key(req), filterOf(req.query), via));
  app.get<{ Querystring: FilterQuery }>(
    '/v1/demands/export.csv',
    {
      config: { access: 'operator' },
      schema: { ...tag, summary: 'Export CSV des demandes de la clé (mêmes filtres)', querystring: filterQs },
    },
    async (req, reply: FastifyReply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="demandes.csv"')
        .header('cache-control', 'no-store')
        .send(demandsCsv(await exported(req, 'export.csv'))),
  );
  app.get<{ Querystring: FilterQuery }>(
    '/v1/demands/export.xlsx',
    {
      config: { access: 'operator' },
      schema: {
        ...tag,
        summary: 'Export XLSX des demandes de la clé (mêmes filtres)',
        querystring: filterQs,
      },
    },
    async (req, reply) => {
      const rows = await exported(req, 'export.xlsx');
      return sendXlsx(reply.header('cache-control', 'no-store'), 'demandes.xlsx', (path) =>
        writeDemandsXlsx(rows, path),
      );
    },
  );

  app.get(
    '/v1/demands/reminders',
    {
      config: { access: 'operator' },
      schema: {
        ...tag,
        summary:
          'Demandes à relancer : ouvertes et sans changement de statut depuis un mois ou plus (relance due, relances envoyées, prochaine échéance)',
        response: {
          200: {
            type: 'object',
            properties: {
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: str,
                    status: str,
                    status_label: str,
                    status_changed_at: str,
                    address: str,
                    name: str,
                    network_sncu_id: nullableStr,
                    due: {
                      type: ['object', 'null'],
                      properties: { rank: { type: 'integer' }, due_at: str },
                    },
                    sent: {
                      type: 'array',
                      items: { type: 'object', properties: { rank: { type: 'integer' }, sent_at: str } },
                    },
                    next_due_at: nullableStr,
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const rows = reminderRows(await staleDemands(store, key(req), new Date()));
      await auditReads(
        store,
        key(req),
        rows.map((r) => r.id),
        'reminders',
      );
      return { results: rows };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/demands/:id',
    {
      config: { access: 'operator' },
      schema: {
        ...tag,
        summary: 'Une demande : coordonnées, lieu, éligibilité, historique daté, relances',
        params: idParams,
        response: { 200: detailSchema },
      },
    },
    async (req) => mapped(() => demandForKey(store, key(req), req.params.id)),
  );

  app.patch<{
    Params: { id: string };
    Body: { status: string; comment?: string; visible_to_requester?: boolean };
  }>(
    '/v1/demands/:id',
    {
      config: { access: 'operator' },
      schema: {
        ...tag,
        summary: `Changer le statut (${STATUSES.map((s) => STATUS_LABELS[s]).join(' / ')}), avec un commentaire facultatif`,
        params: idParams,
        body: {
          type: 'object',
          required: ['status'],
          properties: {
            status: { type: 'string', enum: [...STATUSES] },
            comment: { type: 'string', maxLength: 5000 },
            visible_to_requester: {
              type: 'boolean',
              description: 'le commentaire est montré au demandeur (sinon interne)',
            },
          },
        },
        response: { 200: detailSchema },
      },
    },
    async (req) =>
      mapped(async () => {
        const b = req.body;
        const comment = b.comment === undefined ? null : commentOf(b.comment, b.visible_to_requester);
        await changeStatus(store, key(req), req.params.id, { status: b.status, comment });
        // the answer shows the demand again: audited as a read too
        return demandForKey(store, key(req), req.params.id);
      }),
  );

  app.post<{ Params: { id: string }; Body: { text: string; visible_to_requester?: boolean } }>(
    '/v1/demands/:id/comments',
    {
      config: { access: 'operator' },
      schema: {
        ...tag,
        summary: 'Ajouter un commentaire daté (interne, ou visible du demandeur)',
        params: idParams,
        body: {
          type: 'object',
          required: ['text'],
          properties: {
            text: { type: 'string', maxLength: 5000 },
            visible_to_requester: { type: 'boolean', default: false },
          },
        },
        response: { 201: { type: 'object', properties: { id: { type: 'integer' }, at: str } } },
      },
    },
    async (req, reply) => {
      const { text, visible_to_requester } = req.body;
      const r = await mapped(() =>
        addComment(store, key(req), req.params.id, commentOf(text, visible_to_requester)),
      );
      return reply.status(201).send(r);
    },
  );
}
