import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parseBatid } from '../ids/batid.js';
import { placeOfBuilding, placeOfQuery } from '../directory/directory-place.js';
import { DirectoryQueryError } from '../directory/directory-query-error.js';
import { DirectoryInputError, importDirectory } from '../directory/import-directory.js';
import { DIRECTORY_COLUMNS } from '../directory/professional-row.js';
import { PROFESSIONALS_MAX_LIMIT, searchProfessionals } from '../directory/search-professionals.js';
import { parseSpecialties, SPECIALTIES, type Specialty } from '../directory/specialties.js';
import type { RejectEntry } from '../ingest/rejects.js';
import type { Store } from '../store/store.js';
import { BEARER } from './auth.js';
import { badRequest, notFound } from './errors.js';
import { LONG_HANDLER_TIMEOUT_MS } from './limits.js';
import { makeTempDir } from '../util/temp-dir.js';

const DIRECTORY_MAX_BYTES = 20 * 1024 * 1024;
/** At most this many rejects are listed in the answer (all are counted). */
const MAX_LISTED_REJECTS = 1000;
const RAW_TYPES = ['text/csv', 'text/plain', 'application/octet-stream'];
const tags = ['annuaire des professionnels'];

const nullable = (type: string, description?: string) => ({
  type: [type, 'null'],
  ...(description ? { description } : {}),
});

const professional = {
  type: 'object',
  properties: {
    id: {
      type: 'string',
      description: 'identifiant stable (celui de la source, sinon siret-…, sinon nom-…)',
    },
    name: { type: 'string' },
    specialties: {
      type: 'array',
      items: {
        type: 'object',
        properties: { code: { type: 'string', enum: [...SPECIALTIES] }, label: { type: 'string' } },
        required: ['code', 'label'],
      },
    },
    rge: {
      type: 'object',
      properties: {
        qualified: { type: 'boolean', description: 'déclaré RGE par la source' },
        valid: { type: 'boolean', description: 'RGE et qualification non échue aujourd’hui' },
        qualifications: { type: 'array', items: { type: 'string' } },
        valid_until: nullable('string', 'fin de validité (AAAA-MM-JJ) si la source la donne'),
      },
      required: ['qualified', 'valid', 'qualifications', 'valid_until'],
    },
    siret: nullable('string'),
    address: {
      type: 'object',
      properties: {
        label: nullable('string'),
        code_postal: nullable('string'),
        commune: nullable('string'),
        code_commune_insee: nullable('string'),
        lon: nullable('number', 'WGS84'),
        lat: nullable('number', 'WGS84'),
        located_by: { type: 'string', enum: ['lonlat', 'address', 'none'] },
      },
      required: ['label', 'code_postal', 'commune', 'code_commune_insee', 'lon', 'lat', 'located_by'],
    },
    intervention_area: {
      type: 'object',
      properties: {
        departements: { type: 'array', items: { type: 'string' } },
        communes: { type: 'array', items: { type: 'string' } },
        radius_km: nullable('number', 'rayon autour de l’adresse'),
      },
      required: ['departements', 'communes', 'radius_km'],
    },
    contact: {
      type: 'object',
      description: 'coordonnées de l’entreprise',
      properties: { website: nullable('string'), phone: nullable('string'), email: nullable('string') },
      required: ['website', 'phone', 'email'],
    },
    distance_m: nullable('integer', 'du point du lieu cherché à l’adresse du professionnel'),
    source: { type: 'string' },
    imported_at: { type: 'string' },
  },
  required: [
    'id',
    'name',
    'specialties',
    'rge',
    'siret',
    'address',
    'intervention_area',
    'contact',
    'distance_m',
    'source',
    'imported_at',
  ],
} as const;

const page = {
  type: 'object',
  properties: {
    place: {
      type: 'object',
      description: 'le lieu compris : ses communes, départements et son point (WGS84) quand ils sont connus',
      properties: {
        communes: { type: 'array', items: { type: 'string' } },
        departements: { type: 'array', items: { type: 'string' } },
        lon: nullable('number'),
        lat: nullable('number'),
        resolved_by: {
          type: 'string',
          enum: ['commune', 'postcode', 'postcode_prefix', 'point', 'building'],
        },
      },
      required: ['communes', 'departements', 'lon', 'lat', 'resolved_by'],
    },
    results: { type: 'array', items: professional },
    next_cursor: nullable('string', 'à repasser en cursor= pour la page suivante'),
  },
  required: ['place', 'results', 'next_cursor'],
} as const;

const filters = {
  specialty: {
    type: 'string',
    maxLength: 300,
    description: `spécialités (une au moins), séparées par des virgules : ${SPECIALTIES.join(', ')}`,
  },
  rge: { type: 'boolean', default: false, description: 'seulement les professionnels RGE à jour' },
  limit: { type: 'integer', minimum: 1, maximum: PROFESSIONALS_MAX_LIMIT, default: 50 },
  cursor: { type: 'string', maxLength: 400 },
} as const;

type Filters = { specialty?: string; rge: boolean; limit: number; cursor?: string };

function specialtiesOf(raw: string | undefined): Specialty[] {
  if (raw === undefined || raw.trim() === '') return [];
  const p = parseSpecialties(raw);
  if (!p.ok) throw badRequest(`specialty: ${p.error}`, 'invalid_specialty');
  return p.specialties;
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DirectoryQueryError) throw badRequest(err.message, err.code);
    if (err instanceof DirectoryInputError) throw badRequest(err.message, 'invalid_file');
    throw err;
  }
}

/** The directory of professionals (issue 11 §5): search (public) and import (admin). Logic in src/directory/. */
export function directoryRoutes(app: FastifyInstance, store: Store): void {
  app.get<{
    Querystring: Filters & {
      postcode?: string;
      commune?: string;
      lon?: number;
      lat?: number;
      radius_km?: number;
    };
  }>(
    '/v1/professionals',
    {
      schema: {
        tags,
        summary:
          'Professionnels de la rénovation qui interviennent en un lieu (code postal, commune ou point) : leur zone d’intervention couvre la commune, le département, ou le lieu est dans leur rayon ; triés par distance quand le lieu a un point',
        querystring: {
          type: 'object',
          properties: {
            postcode: { type: 'string', pattern: '^[0-9]{5}$', description: 'code postal' },
            commune: { type: 'string', pattern: '^([0-9]{2}|2[AB])[0-9]{3}$', description: 'code INSEE' },
            lon: { type: 'number', minimum: -180, maximum: 180 },
            lat: { type: 'number', minimum: -90, maximum: 90 },
            radius_km: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 1000,
              description:
                'en plus : seulement les professionnels dont l’adresse est à moins de radius_km du lieu',
            },
            ...filters,
          },
        },
        response: { 200: page },
      },
    },
    async (req) => {
      const q = req.query;
      const specialties = specialtiesOf(q.specialty);
      return mapped(async () =>
        searchProfessionals(store, {
          place: await placeOfQuery(store, q),
          specialties,
          rge: q.rge,
          radiusKm: q.radius_km,
          limit: q.limit,
          cursor: q.cursor,
        }),
      );
    },
  );

  app.get<{ Params: { batid: string }; Querystring: Filters }>(
    '/v1/buildings/:batid/professionals',
    {
      schema: {
        tags,
        summary:
          'Professionnels qui interviennent dans la commune du bâtiment (même règle que /v1/professionals, triés par distance au bâtiment)',
        params: { type: 'object', properties: { batid: { type: 'string' } }, required: ['batid'] },
        querystring: { type: 'object', properties: filters },
        response: {
          200: {
            ...page,
            properties: { batid: { type: 'string' }, ...page.properties },
            required: ['batid', ...page.required],
          },
        },
      },
    },
    async (req) => {
      const parsed = parseBatid(req.params.batid);
      if (!parsed.ok) throw badRequest(parsed.error, 'invalid_batid');
      const specialties = specialtiesOf(req.query.specialty);
      const place = await placeOfBuilding(store, parsed.batid);
      if (!place) throw notFound(`no building ${parsed.batid}`, 'building_not_found');
      const { limit, cursor, rge } = req.query;
      return {
        batid: parsed.batid,
        ...(await mapped(() => searchProfessionals(store, { place, specialties, rge, limit, cursor }))),
      };
    },
  );

  void app.register(async (scope) => {
    scope.addContentTypeParser(
      RAW_TYPES,
      { parseAs: 'buffer', bodyLimit: DIRECTORY_MAX_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.post<{ Querystring: { replace: boolean; source?: string } }>(
      '/v1/directory/import',
      {
        config: { access: 'admin' },
        bodyLimit: DIRECTORY_MAX_BYTES,
        handlerTimeout: LONG_HANDLER_TIMEOUT_MS,
        schema: {
          tags,
          security: BEARER,
          summary: `Importer l’annuaire des professionnels (clé admin) : un CSV (corps text/csv, ≤ 20 Mo) aux colonnes ${Object.keys(DIRECTORY_COLUMNS).join(', ')} ; les lignes fautives sont listées avec ligne, colonne et raison, les bonnes gardées`,
          consumes: RAW_TYPES,
          querystring: {
            type: 'object',
            properties: {
              replace: {
                type: 'boolean',
                default: false,
                description:
                  'les lignes du fichier deviennent tout l’annuaire (les autres professionnels sont retirés)',
              },
              source: {
                type: 'string',
                maxLength: 200,
                description: 'nom de la source, gardé sur chaque ligne',
              },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                imported: { type: 'integer' },
                rejected: { type: 'integer' },
                duplicates: { type: 'integer' },
                warnings: { type: 'integer' },
                removed: { type: 'integer' },
                located: {
                  type: 'object',
                  properties: {
                    lonlat: { type: 'integer' },
                    address: { type: 'integer' },
                    none: { type: 'integer' },
                  },
                },
                ignored_columns: { type: 'array', items: { type: 'string' } },
                rejects: {
                  type: 'array',
                  description: `lignes refusées, doublons et avertissements (${MAX_LISTED_REJECTS} au plus)`,
                  items: {
                    type: 'object',
                    properties: {
                      line: nullable('integer'),
                      column: nullable('integer'),
                      severity: { type: 'string', enum: ['rejected', 'duplicate', 'warning'] },
                      reason: { type: 'string' },
                      raw: { type: 'string' },
                    },
                  },
                },
              },
              required: ['imported', 'rejected', 'warnings', 'rejects'],
            },
          },
        },
      },
      async (req) => {
        if (!Buffer.isBuffer(req.body))
          throw badRequest(`expected a CSV body (${RAW_TYPES.join(', ')})`, 'missing_file');
        const dir = await makeTempDir('directory');
        const rejects: RejectEntry[] = [];
        try {
          const source = req.query.source ?? 'api';
          const path = join(dir, `${source.replace(/[^\w.-]+/g, '_') || 'annuaire'}.csv`);
          await writeFile(path, req.body);
          const actor = req.apiKey ? { id: req.apiKey.id, label: req.apiKey.label } : undefined;
          const r = await mapped(() =>
            importDirectory(store, path, {
              replace: req.query.replace,
              source,
              ...(actor ? { actor } : {}),
              rejects: {
                add: async (e) => {
                  if (rejects.length < MAX_LISTED_REJECTS) rejects.push(e);
                },
              },
            }),
          );
          return {
            imported: r.imported,
            rejected: r.rejected,
            duplicates: r.duplicates,
            warnings: r.warnings,
            removed: r.removed,
            located: r.located,
            ignored_columns: r.ignoredColumns,
            rejects: rejects.map(({ line, column, severity, reason, raw }) => ({
              line,
              column,
              severity,
              reason,
              raw,
            })),
          };
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    );
  });
}
