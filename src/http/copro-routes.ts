import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKey } from '../auth/keys.js';
import { audit, auditOfBuilding } from '../auth/audit.js';
import {
  checkDegreeDaysInput,
  DegreeDaysInputError,
  listDegreeDays,
  setDegreeDays,
} from '../copro/degree-days.js';
import {
  ENERGIES,
  EnergyInputError,
  unitsOf,
  USES,
  USE_LABELS,
  yearsCsv,
  type BillInput,
} from '../copro/energy.js';
import { energyReport } from '../copro/energy-report.js';
import {
  addWorks,
  deleteLine,
  getRecord,
  placeForKey,
  putRecord,
  RecordAccessError,
  saveBills,
  validateBills,
  type BuildingPlace,
} from '../copro/record-service.js';
import {
  actsCsv,
  addAct,
  addNote,
  createProject,
  listProjects,
  projectDashboard,
  projectForKey,
  SARE_ACTS,
  setStage,
  STAGES,
  STAGE_LABELS,
} from '../copro/projects.js';
import { parseBatid } from '../ids/batid.js';
import type { Store } from '../store/store.js';
import { BEARER, requireKey } from './auth.js';
import { badRequest, HttpError } from './errors.js';

const WRITERS = ['advisor', 'admin'] as const;

/** Our domain errors as HTTP errors: the field in the message, nothing saved. */
function httpError(err: unknown): unknown {
  if (err instanceof EnergyInputError) return new HttpError(400, 'invalid_input', err.message);
  if (err instanceof DegreeDaysInputError) return new HttpError(400, 'invalid_input', err.message);
  if (err instanceof RecordAccessError)
    return new HttpError(
      err.status,
      err.status === 403 ? 'forbidden' : err.status === 404 ? 'not_found' : 'conflict',
      err.message,
    );
  return err;
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw httpError(err);
  }
}

const billSchema = {
  type: 'object',
  required: ['year', 'use', 'energy', 'quantity', 'unit', 'amount_eur'],
  properties: {
    year: { type: 'integer', description: 'année de la facture (année civile)' },
    use: {
      type: 'string',
      enum: [...USES],
      description: 'usage : chauffage, eau chaude sanitaire, électricité des communs',
    },
    energy: { type: 'string', enum: [...ENERGIES] },
    quantity: { type: 'number', description: 'quantité dans l’unité de la facture' },
    unit: {
      type: 'string',
      description: 'kWh, MWh, kWh_PCS, MWh_PCS, m3, L, kg, t, stere (selon l’énergie)',
    },
    amount_eur: { type: 'number', description: 'montant TTC en euros' },
    comment: { type: 'string', maxLength: 500 },
  },
} as const;

const batidParams = {
  type: 'object',
  properties: { batid: { type: 'string' } },
  required: ['batid'],
} as const;

/** Energy records, degree days and renovation projects (issue 8; src/copro/). */
export function coproRoutes(app: FastifyInstance, store: Store): void {
  const batidOf = (raw: string) => {
    const p = parseBatid(raw);
    if (!p.ok) throw badRequest(p.error, 'invalid_batid');
    return p.batid;
  };
  /** The key (advisor of the building's territory, or admin) and the building's place. */
  type Access = { key: ApiKey; place: BuildingPlace; batid: string };
  const granted = new WeakMap<FastifyRequest, Access>();
  /** Checked once per request (in preValidation when the body is checked there, so 401/403 come first). */
  const access = async (req: FastifyRequest): Promise<Access> => {
    const hit = granted.get(req);
    if (hit) return hit;
    const key = await requireKey(store, req, WRITERS);
    const batid = batidOf((req.params as { batid: string }).batid);
    const place = await mapped(() => placeForKey(store, key, batid));
    const a = { key, place, batid };
    granted.set(req, a);
    return a;
  };
  const recordOf = async (batid: string) => {
    const rec = await getRecord(store, batid);
    if (!rec)
      throw new HttpError(
        404,
        'no_energy_record',
        `building ${batid} has no energy record yet: PUT /v1/buildings/${batid}/energy`,
      );
    return rec;
  };
  const tag = { tags: ['suivi énergétique'], security: BEARER };
  // checked on the body as sent, before the schema's type coercion would turn null into 0
  const rawBills = async (req: FastifyRequest) => {
    await access(req);
    await mapped(async () => validateBills((req.body as { bills?: BillInput[] } | null)?.bills ?? []));
  };
  const rawRecord = async (req: FastifyRequest) => {
    await access(req);
    const s = (req.body as { heated_surface_m2?: unknown } | null)?.heated_surface_m2;
    if (typeof s !== 'number')
      throw new HttpError(
        400,
        'invalid_input',
        `heated_surface_m2: expected a surface in m², got ${JSON.stringify(s)}`,
      );
  };

  app.get(
    '/v1/energy/reference',
    {
      schema: {
        tags: ['suivi énergétique'],
        summary: 'Énergies, unités, conversions et usages acceptés pour la saisie des factures',
      },
    },
    async () => ({
      uses: USES.map((u) => ({ code: u, label: USE_LABELS[u] })),
      energies: ENERGIES.map((e) => ({ code: e, units: unitsOf(e) })),
      conversions: {
        gaz_m3_kwh_pcs: 12.91,
        gaz_pcs_sur_pci: 1.11,
        fioul_kwh_l: 9.97,
        propane_kwh_kg: 13.8,
        granules_kwh_t: 4600,
        buches_kwh_stere: 1680,
      },
      electricity_factor: { until_2025: 2.3, from_2026: 1.9 },
      stages: STAGES.map((s) => ({ code: s, label: STAGE_LABELS[s] })),
      sare_acts: Object.entries(SARE_ACTS).map(([code, label]) => ({ code, label })),
    }),
  );

  app.get<{ Params: { batid: string } }>(
    '/v1/buildings/:batid/energy',
    {
      config: { access: 'advisor' },
      schema: {
        ...tag,
        summary:
          'Suivi énergétique d’un bâtiment : factures, calculs par année, comparaison DPE/DLE, avant/après travaux',
        params: batidParams,
      },
    },
    async (req) => {
      const { place, batid } = await access(req);
      const rec = await recordOf(batid);
      const report = await energyReport(store, rec, place);
      const { bills, works, ...head } = rec;
      return { record: head, bills, works, report };
    },
  );

  app.put<{
    Params: { batid: string };
    Body: { name?: string; heated_surface_m2: number; reseau_id_fcu?: number | null };
  }>(
    '/v1/buildings/:batid/energy',
    {
      config: { access: 'advisor' },
      preValidation: rawRecord,
      schema: {
        ...tag,
        summary: 'Créer ou modifier le suivi énergétique (surface chauffée, nom, réseau de chaleur raccordé)',
        params: batidParams,
        body: {
          type: 'object',
          required: ['heated_surface_m2'],
          properties: {
            name: { type: 'string', maxLength: 200 },
            heated_surface_m2: { type: 'number' },
            reseau_id_fcu: {
              type: ['integer', 'null'],
              description: 'identifiant FCU du réseau de chaleur raccordé',
            },
          },
        },
      },
    },
    async (req, reply) => {
      const { key, place } = await access(req);
      const r = await mapped(() => putRecord(store, key, place, req.body));
      return reply.status(r.created ? 201 : 200).send({ batid: place.batid, created: r.created });
    },
  );

  app.post<{ Params: { batid: string }; Body: { bills: BillInput[] } }>(
    '/v1/buildings/:batid/energy/bills',
    {
      config: { access: 'advisor' },
      preValidation: rawBills,
      schema: {
        ...tag,
        summary: 'Ajouter des lignes de factures (toutes ou aucune)',
        params: batidParams,
        body: {
          type: 'object',
          required: ['bills'],
          properties: { bills: { type: 'array', items: billSchema, maxItems: 500 } },
        },
      },
    },
    async (req, reply) => {
      const { key, place } = await access(req);
      const ids = await mapped(() => saveBills(store, key, place, req.body.bills));
      return reply.status(201).send({ ids });
    },
  );

  app.put<{ Params: { batid: string; year: number }; Body: { bills: BillInput[] } }>(
    '/v1/buildings/:batid/energy/years/:year',
    {
      config: { access: 'advisor' },
      preValidation: rawBills,
      schema: {
        ...tag,
        summary: 'Saisir (ou ressaisir) toutes les factures d’une année : remplace les lignes de cette année',
        params: {
          type: 'object',
          properties: { batid: { type: 'string' }, year: { type: 'integer' } },
          required: ['batid', 'year'],
        },
        body: {
          type: 'object',
          required: ['bills'],
          properties: { bills: { type: 'array', items: billSchema, maxItems: 500 } },
        },
      },
    },
    async (req) => {
      const { key, place } = await access(req);
      const ids = await mapped(() =>
        saveBills(store, key, place, req.body.bills, { replaceYear: req.params.year }),
      );
      return { ids };
    },
  );

  app.post<{ Params: { batid: string }; Body: { date_fin: string; description?: string } }>(
    '/v1/buildings/:batid/energy/works',
    {
      config: { access: 'advisor' },
      schema: {
        ...tag,
        summary: 'Enregistrer des travaux (date de fin) pour comparer avant/après',
        params: batidParams,
        body: {
          type: 'object',
          required: ['date_fin'],
          properties: {
            date_fin: { type: 'string', description: 'YYYY-MM-DD' },
            description: { type: 'string', maxLength: 500 },
          },
        },
      },
    },
    async (req, reply) => {
      const { key, place } = await access(req);
      const id = await mapped(() => addWorks(store, key, place, req.body));
      return reply.status(201).send({ id });
    },
  );

  for (const [path, entity, summary] of [
    ['bills', 'bill', 'Supprimer une ligne de facture'],
    ['works', 'works', 'Supprimer des travaux enregistrés'],
  ] as const)
    app.delete<{ Params: { batid: string; id: string } }>(
      `/v1/buildings/:batid/energy/${path}/:id`,
      {
        config: { access: 'advisor' },
        schema: {
          ...tag,
          summary,
          params: {
            type: 'object',
            properties: { batid: { type: 'string' }, id: { type: 'string' } },
            required: ['batid', 'id'],
          },
        },
      },
      async (req, reply) => {
        const { key, place } = await access(req);
        if (!(await deleteLine(store, key, place, entity, req.params.id)))
          throw new HttpError(404, 'not_found', `no ${entity} ${req.params.id}`);
        return reply.status(204).send();
      },
    );

  app.get<{ Params: { batid: string } }>(
    '/v1/buildings/:batid/energy/years.csv',
    {
      config: { access: 'advisor' },
      schema: { ...tag, summary: 'Le tableau annuel du suivi énergétique en CSV', params: batidParams },
    },
    async (req, reply) => {
      const { place, batid } = await access(req);
      const report = await energyReport(store, await recordOf(batid), place);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="suivi-energetique-${batid}.csv"`)
        .send(yearsCsv(report.years));
    },
  );

  app.get<{ Params: { batid: string } }>(
    '/v1/buildings/:batid/energy/audit',
    {
      config: { access: 'advisor' },
      schema: {
        ...tag,
        summary:
          'Journal des modifications du suivi énergétique et des projets du bâtiment (qui, quand, quoi)',
        params: batidParams,
      },
    },
    async (req) => {
      const { batid } = await access(req);
      return { changes: await auditOfBuilding(store, batid) };
    },
  );

  // degree days: public reads, writes by an advisor of the département or an admin
  app.get<{ Querystring: { dept?: string } }>(
    '/v1/degree-days',
    {
      schema: {
        tags: ['suivi énergétique'],
        summary:
          'Degrés-jours unifiés (base 18 °C) par département et année, et valeurs de référence, avec leur source',
        querystring: { type: 'object', properties: { dept: { type: 'string' } } },
      },
    },
    async (req) => mapped(async () => ({ results: await listDegreeDays(store, req.query.dept) })),
  );

  app.put<{ Params: { dept: string; year: string }; Body: { dju: number; source: string } }>(
    '/v1/degree-days/:dept/:year',
    {
      config: { access: 'advisor' },
      schema: {
        ...tag,
        summary: 'Saisir les degrés-jours d’un département pour une année (ou « reference »)',
        params: {
          type: 'object',
          properties: { dept: { type: 'string' }, year: { type: 'string', pattern: '^(\\d{4}|reference)$' } },
          required: ['dept', 'year'],
        },
        body: {
          type: 'object',
          required: ['dju', 'source'],
          properties: { dju: { type: 'number' }, source: { type: 'string', minLength: 1, maxLength: 300 } },
        },
      },
    },
    async (req) => {
      const key = await requireKey(store, req, WRITERS);
      const { year } = req.params;
      const annee = year === 'reference' ? null : Number(year);
      // normalised first ('3' → '03'), so the territory check sees the stored code
      const input = await mapped(async () =>
        checkDegreeDaysInput({ dept: req.params.dept, annee, dju: req.body.dju, source: req.body.source }),
      );
      if (key.role !== 'admin' && !key.territories.includes(input.dept))
        throw new HttpError(
          403,
          'forbidden',
          `département ${input.dept} is outside the territory of this key`,
        );
      return mapped(() =>
        store.transaction(async (tx) => {
          const row = await setDegreeDays(tx, input, key.id);
          await audit(tx, key, {
            action: 'update',
            entity: 'degree_days',
            entity_id: `${input.dept}/${year}`,
            dept: input.dept,
            after: input,
          });
          return row;
        }),
      );
    },
  );

  projectRoutes(app, store);
}

type ProjectBody = { batid?: string; title?: string; stage?: string; date?: string };

function projectRoutes(app: FastifyInstance, store: Store): void {
  const tag = { tags: ['projets de rénovation'], security: BEARER };
  const writer = (req: FastifyRequest) => requireKey(store, req, WRITERS);
  const project = (key: ApiKey, id: string) => mapped(() => projectForKey(store, key, id));
  const filterQs = {
    type: 'object',
    properties: {
      dept: { type: 'string' },
      commune: { type: 'string' },
      stage: { type: 'string', enum: [...STAGES] },
      batid: { type: 'string' },
    },
  } as const;

  app.post<{ Body: ProjectBody }>(
    '/v1/projects',
    {
      config: { access: 'advisor' },
      schema: {
        ...tag,
        summary: 'Ouvrir un projet de rénovation sur un bâtiment',
        body: {
          type: 'object',
          required: ['batid'],
          properties: {
            batid: { type: 'string' },
            title: { type: 'string', maxLength: 200 },
            stage: { type: 'string', enum: [...STAGES] },
            date: { type: 'string', description: 'YYYY-MM-DD, aujourd’hui par défaut' },
          },
        },
      },
    },
    async (req, reply) => {
      const key = await writer(req);
      const p = parseBatid(req.body.batid ?? '');
      if (!p.ok) throw badRequest(`batid: ${p.error}`, 'invalid_batid');
      const place = await mapped(() => placeForKey(store, key, p.batid));
      const id = await mapped(() => createProject(store, key, place, req.body));
      return reply.status(201).send(await project(key, id));
    },
  );

  app.get<{ Querystring: { dept?: string; commune?: string; stage?: string; batid?: string } }>(
    '/v1/projects',
    {
      config: { access: 'advisor' },
      schema: { ...tag, summary: 'Projets du territoire de la clé', querystring: filterQs },
    },
    async (req) => {
      const key = await writer(req);
      return { results: await mapped(() => listProjects(store, key, req.query)) };
    },
  );

  app.get<{ Querystring: { dept?: string; commune?: string; from?: string; to?: string } }>(
    '/v1/projects/acts.csv',
    {
      config: { access: 'advisor' },
      schema: {
        ...tag,
        summary: 'Export des actes SARE (A1–A5, A4bis, B1, B2) du territoire, pour le reporting du guichet',
        querystring: {
          type: 'object',
          properties: {
            dept: { type: 'string' },
            commune: { type: 'string' },
            from: { type: 'string' },
            to: { type: 'string' },
          },
        },
      },
    },
    async (req, reply) => {
      const key = await writer(req);
      const csv = await mapped(() => actsCsv(store, key, req.query));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="actes-sare.csv"')
        .send(csv);
    },
  );

  app.get<{ Querystring: { dept?: string; commune?: string } }>(
    '/v1/projects/dashboard',
    {
      config: { access: 'advisor' },
      schema: {
        ...tag,
        summary:
          'Tableau de bord du territoire : projets par étape, actes SARE par mois, kWh économisés par les projets terminés',
        querystring: {
          type: 'object',
          properties: { dept: { type: 'string' }, commune: { type: 'string' } },
        },
      },
    },
    async (req) => {
      const key = await writer(req);
      return mapped(() => projectDashboard(store, key, req.query));
    },
  );

  const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;
  app.get<{ Params: { id: string } }>(
    '/v1/projects/:id',
    {
      config: { access: 'advisor' },
      schema: { ...tag, summary: 'Un projet : étapes, notes, actes SARE', params: idParams },
    },
    async (req) => project(await writer(req), req.params.id),
  );

  app.patch<{ Params: { id: string }; Body: { stage?: string; date?: string; title?: string } }>(
    '/v1/projects/:id',
    {
      config: { access: 'advisor' },
      schema: {
        ...tag,
        summary:
          'Changer l’étape d’un projet (premier contact → audit → travaux votés → travaux réalisés → suivi) ou son titre',
        params: idParams,
        body: {
          type: 'object',
          properties: {
            stage: { type: 'string', enum: [...STAGES] },
            date: { type: 'string' },
            title: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (req) => {
      const key = await writer(req);
      const p = await project(key, req.params.id);
      await mapped(() => setStage(store, key, p, req.body ?? {}));
      return project(key, p.id);
    },
  );

  app.post<{ Params: { id: string }; Body: { date?: string; text: string } }>(
    '/v1/projects/:id/notes',
    {
      config: { access: 'advisor' },
      schema: {
        ...tag,
        summary: 'Ajouter une note datée',
        params: idParams,
        body: {
          type: 'object',
          required: ['text'],
          properties: { date: { type: 'string' }, text: { type: 'string', maxLength: 5000 } },
        },
      },
    },
    async (req, reply) => {
      const key = await writer(req);
      const p = await project(key, req.params.id);
      const id = await mapped(() => addNote(store, key, p, req.body));
      return reply.status(201).send({ id });
    },
  );

  app.post<{ Params: { id: string }; Body: { code: string; date?: string; comment?: string } }>(
    '/v1/projects/:id/acts',
    {
      config: { access: 'advisor' },
      schema: {
        ...tag,
        summary: 'Enregistrer un acte SARE',
        params: idParams,
        body: {
          type: 'object',
          required: ['code'],
          properties: {
            code: { type: 'string', enum: Object.keys(SARE_ACTS) },
            date: { type: 'string' },
            comment: { type: 'string', maxLength: 1000 },
          },
        },
      },
    },
    async (req, reply) => {
      const key = await writer(req);
      const p = await project(key, req.params.id);
      const id = await mapped(() => addAct(store, key, p, req.body));
      return reply.status(201).send({ id });
    },
  );
}
