import { PassThrough } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BULK_INPUT_MAX_BYTES, BulkInputError, parseBulkInput, bulkOptions } from '../jobs/bulk-input.js';
import { changedRows, writeResultsCsv, writeResultsXlsx } from '../jobs/bulk-results.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { createEligibilityJob, jobInfo, type JobInfo } from '../jobs/job-store.js';
import type { Store } from '../store/store.js';
import { badRequest, HttpError, notFound } from './errors.js';
import { sendXlsx, sendXlsxBytes } from './xlsx-reply.js';
import { storedResult, storedResultStream } from '../jobs/result-file.js';
import { primaryOf } from '../store/routed-store.js';
import { LONG_HANDLER_TIMEOUT_MS } from './limits.js';

const RAW_TYPES = ['text/csv', 'text/plain', 'text/tab-separated-values', 'application/octet-stream'];

type BulkQuery = { address_column?: string; lon_column?: string; lat_column?: string; name?: string };

const jobSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'running', 'done', 'failed'] },
    input_name: { type: 'string' },
    rows_total: { type: ['integer', 'null'] },
    rows_done: { type: 'integer' },
    error: { type: ['string', 'null'] },
    reading: { type: ['object', 'null'], additionalProperties: true },
    created_at: { type: 'string' },
    started_at: { type: ['string', 'null'] },
    finished_at: { type: ['string', 'null'] },
    results: {
      type: ['object', 'null'],
      properties: { csv: { type: 'string' }, xlsx: { type: 'string' }, changes: { type: 'string' } },
    },
  },
  required: ['id', 'status', 'rows_done', 'rows_total'],
} as const;

function view(j: JobInfo) {
  const base = `/v1/jobs/${j.id}`;
  return {
    ...j,
    results:
      j.status === 'done'
        ? { csv: `${base}/result.csv`, xlsx: `${base}/result.xlsx`, changes: `${base}/changes` }
        : null,
  };
}

/** The uploaded file: a raw CSV body, or the one file of a multipart form. */
async function uploaded(req: FastifyRequest): Promise<{ bytes: Buffer; name: string | null }> {
  if (req.isMultipart()) {
    const file = await req.file();
    if (!file) throw badRequest('multipart form without a file', 'missing_file');
    try {
      return { bytes: await file.toBuffer(), name: file.filename || null };
    } catch (err) {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
        throw new HttpError(
          413,
          'file_too_large',
          `the bulk test takes at most ${BULK_INPUT_MAX_BYTES / 1048576} MB`,
        );
      throw err;
    }
  }
  if (!Buffer.isBuffer(req.body))
    throw badRequest(`expected a CSV body (${RAW_TYPES.join(', ')}) or a multipart file`, 'missing_file');
  return { bytes: req.body, name: null };
}

async function doneJob(store: Store, id: string): Promise<JobInfo> {
  const j = await jobInfo(store, id);
  if (!j) throw notFound(`no job ${id}`, 'job_not_found');
  if (j.status !== 'done')
    throw new HttpError(
      409,
      'job_not_done',
      `job ${id} is ${j.status} (${j.rows_done}/${j.rows_total ?? '?'} rows)`,
    );
  return j;
}

/** Bulk eligibility jobs: upload, progress, results (src/jobs/). */
export function jobsRoutes(app: FastifyInstance, store: Store, runner: JobRunner | null): void {
  void app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: BULK_INPUT_MAX_BYTES, files: 1, fields: 10 } });
    scope.addContentTypeParser(
      RAW_TYPES,
      { parseAs: 'buffer', bodyLimit: BULK_INPUT_MAX_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.post<{ Querystring: BulkQuery }>(
      '/v1/eligibility/bulk',
      {
        config: { access: 'pro' },
        bodyLimit: BULK_INPUT_MAX_BYTES,
        handlerTimeout: LONG_HANDLER_TIMEOUT_MS,
        schema: {
          summary:
            'Test d’éligibilité en masse : un fichier CSV/TSV (≤ 50 Mo, corps text/csv ou formulaire multipart) avec une colonne d’adresse ou des colonnes lon/lat ; répond 202 avec l’identifiant du traitement',
          consumes: [...RAW_TYPES, 'multipart/form-data'],
          querystring: {
            type: 'object',
            properties: {
              address_column: {
                type: 'string',
                description: 'colonne d’adresse (nom ou numéro à partir de 1), sinon détectée',
              },
              lon_column: { type: 'string' },
              lat_column: { type: 'string' },
              name: { type: 'string', maxLength: 200, description: 'nom du fichier, pour mémoire' },
            },
          },
          response: {
            202: {
              type: 'object',
              properties: {
                job_id: { type: 'string' },
                status_url: { type: 'string' },
                reading: { type: 'object', additionalProperties: true },
              },
            },
          },
        },
      },
      async (req, reply) => {
        const { bytes, name } = await uploaded(req);
        const q = req.query;
        const options = bulkOptions({ address: q.address_column, lon: q.lon_column, lat: q.lat_column });
        let reading;
        try {
          // the header and columns are checked now, so a file that cannot work is refused at once
          const input = parseBulkInput(bytes, options);
          reading = {
            separator: input.separator,
            has_header: input.hasHeader,
            mode: input.mode,
            columns: input.columns,
          };
        } catch (err) {
          if (err instanceof BulkInputError)
            throw new HttpError(err.code === 'file_too_large' ? 413 : 400, err.code, err.message);
          throw err;
        }
        const id = await createEligibilityJob(store, {
          name: q.name ?? name ?? 'upload.csv',
          bytes,
          options,
        });
        runner?.notify();
        return reply.status(202).send({ job_id: id, status_url: `/v1/jobs/${id}`, reading });
      },
    );
  });

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      config: { access: 'pro' },
      schema: {
        summary:
          'L’état d’un traitement : pending, running (rows_done / rows_total), done (liens vers les résultats) ou failed',
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
        response: { 200: jobSchema },
      },
    },
    async (req) => {
      const j = await jobInfo(store, req.params.id);
      if (!j) throw notFound(`no job ${req.params.id}`, 'job_not_found');
      return view(j);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/result.csv',
    {
      config: { access: 'pro' },
      handlerTimeout: LONG_HANDLER_TIMEOUT_MS,
      schema: {
        summary: 'Les résultats en CSV (séparateur ;, UTF-8 avec BOM)',
        params: { type: 'object', properties: { id: { type: 'string' } } },
      },
    },
    async (req, reply) => {
      const j = await doneJob(store, req.params.id);
      const out = new PassThrough();
      writeResultsCsv(store, j.id, out).then(
        () => out.end(),
        (err: Error) => out.destroy(err),
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="eligibilite-${j.id}.csv"`)
        .send(out);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/result.xlsx',
    {
      config: { access: 'pro' },
      handlerTimeout: LONG_HANDLER_TIMEOUT_MS,
      schema: {
        summary: 'Les résultats en XLSX (feuilles Résultats et Légende)',
        params: { type: 'object', properties: { id: { type: 'string' } } },
      },
    },
    async (req, reply) => {
      const j = await doneJob(store, req.params.id);
      const name = `eligibilite-${j.id}.xlsx`;
      // the workbook written while the job ran, if its rows have not been re-tested since
      const stored = await storedResult(primaryOf(store), j.id);
      if (stored)
        return sendXlsxBytes(
          reply.header('content-length', stored.size),
          name,
          // read after this handler returns: on the primary, where the job was written
          storedResultStream(primaryOf(store), j.id, stored),
        );
      return sendXlsx(reply, name, (path) => writeResultsXlsx(store, j.id, path));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/changes',
    {
      config: { access: 'pro' },
      handlerTimeout: LONG_HANDLER_TIMEOUT_MS,
      schema: {
        summary:
          'Les lignes dont le résultat a changé lors d’une mise à jour des réseaux, avec la transition',
        params: { type: 'object', properties: { id: { type: 'string' } } },
      },
    },
    async (req) => {
      const j = await doneJob(store, req.params.id);
      return { job_id: j.id, changes: await changedRows(store, j.id) };
    },
  );
}
