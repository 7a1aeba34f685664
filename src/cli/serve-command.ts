import cluster from 'node:cluster';
import v8 from 'node:v8';
import { addressServiceOf } from '../address/address-service.js';
import { heatingCacheOf, networkServiceOf } from '../networks/eligibility-service.js';
import { warmUpBulk } from '../jobs/warm-up.js';
import { sweepJobFiles } from '../jobs/job-files.js';
import { startDemandJobs } from '../demands/demand-jobs.js';
import { retentionDaysFromEnv } from '../demands/erase.js';
import { mailerFromEnv } from '../mail/mailer.js';
import { primaryOf } from '../store/routed-store.js';
import { buildApp, type AppOptions } from '../http/app.js';
import { maxConcurrentFromEnv } from '../http/admission.js';
import { parseRateLimits } from '../http/rate-limit.js';
import { checkReadUrls, openStore, parseReadUrls, storeOptionsFromEnv } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { sweepTempDirs } from '../util/temp-dir.js';
import { DB_OPTIONS, USAGE, parse } from './main.js';

export const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  log: { type: 'string' },
  workers: { type: 'string' },
  'read-url': { type: 'string', multiple: true },
} as const;

/** `--workers N`: N server processes sharing the port (PostgreSQL only), 1 by default. */
export function parseWorkers(v: string | undefined, server: boolean): number {
  if (v === undefined) return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new Error(`--workers must be an integer 1…64, got "${v}"`);
  if (n > 1 && !server)
    throw new Error(
      '--workers needs a PostgreSQL server (DATABASE_URL or --database-url): the embedded database lives in one process',
    );
  return n;
}

/**
 * The primary of `serve --workers N`: forks N servers that share the port (node:cluster), forks
 * again any that dies after having run a while, and stops them all on SIGINT/SIGTERM. A worker
 * that dies within 10 s of its start (port taken, database unreachable…) stops the whole server
 * with exit code 1 rather than a fork loop. Each worker has its own pool and address index;
 * PostgreSQL serves them all (read replicas scale further).
 */
async function supervise(n: number): Promise<number> {
  const started = new Map<number, number>();
  const fork = () => {
    const w = cluster.fork();
    started.set(w.id, Date.now());
  };
  for (let i = 0; i < n; i++) fork();
  return new Promise<number>((resolve) => {
    let stopping = false;
    let code = 0;
    const stop = (exitCode: number) => {
      if (stopping) return;
      stopping = true;
      code = exitCode;
      process.stdout.write(`shutting down ${n} workers…\n`);
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      left();
    };
    const left = () => {
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) resolve(code);
    };
    cluster.on('exit', (w, exitCode, signal) => {
      if (stopping) return left();
      const ranFor = Date.now() - (started.get(w.id) ?? 0);
      process.stderr.write(`worker ${w.process.pid} ended (${signal ?? exitCode})`);
      if (ranFor < 10_000) {
        process.stderr.write(' right after starting: stopping the server\n');
        return stop(1);
      }
      process.stderr.write(', starting another\n');
      fork();
    });
    process.once('SIGINT', () => stop(0));
    process.once('SIGTERM', () => stop(0));
  });
}

const LOG_LEVELS = ['info', 'warn', 'error', 'silent'] as const;

/** `--log LEVEL`: request logging (one JSON line per request at info, the default). */
export function parseLogLevel(v: string | undefined): NonNullable<AppOptions['logLevel']> {
  if (v === undefined) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(v))
    throw new Error(`--log must be one of ${LOG_LEVELS.join(', ')}, got "${v}"`);
  return v as NonNullable<AppOptions['logLevel']>;
}

export function parsePort(v: string | undefined, fallback = 8080): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--port must be an integer 0…65535, got "${v}"`);
  return n;
}

/**
 * Removes what killed BatID processes left in the temp dir (a bulk job's workbook can be hundreds
 * of MB: src/util/temp-dir.ts) and, beside an embedded database, the jobs' files nothing counts;
 * once per server, by its primary, before it answers.
 */
async function sweepLeftovers(store: Store | null): Promise<void> {
  const swept = await sweepTempDirs();
  if (swept.removed)
    process.stdout.write(
      `removed ${swept.removed} temp dir(s) left by stopped BatID processes (${(swept.bytes / 1e6).toFixed(1)} MB)\n`,
    );
  // an embedded database's jobs' files that nothing counts (src/jobs/job-files.ts); none on a
  // server database (the supervisor of several workers has no store: a server's)
  const files = store ? await sweepJobFiles(primaryOf(store)) : 0;
  if (files) process.stdout.write(`removed ${files} job file(s) left by stopped BatID processes\n`);
}

/**
 * How much V8 lets a server's heap grow past what was live at its last full collection: 1.5×
 * rather than V8's own factor, which follows the allocation rate — a bulk job allocates fast, and
 * the embedded server (whose PGlite and address index hold ~1.2 GB) let its heap reach ~600 MB
 * with ~230 MB live, a peak of 1.54–1.64 GB on its third 100,000-row job; 1.24–1.27 GB with 1.5×,
 * at the same speed (2026-12-04, three runs each way).
 */
const HEAP_GROWING_PERCENT = 50;

/** Serves until SIGINT/SIGTERM, then closes the server and the database cleanly. */
export async function serve(store: Store, host: string, port: number, opts: AppOptions = {}): Promise<void> {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  if (cluster.isPrimary) await sweepLeftovers(store);
  const app = await buildApp(store, opts);
  const address = await app.listen({ host, port });
  process.stdout.write(`BatID serving on ${address} (${store.kind} database ${store.location})\n`);
  // the address index is built now rather than on the first search, then the bulk jobs' heating
  // cache (the jobs' store: the primary) is filled when the registry's fits in it
  // (eligibility-service.ts HeatingCache.warm)
  const t0 = Date.now();
  const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
  void addressServiceOf(store)
    .ready()
    .then(
      async (ix) => {
        process.stdout.write(
          `address index ready: ${ix.size} addresses, ${ix.streetCount} streets, ${ix.communeCount} communes (${seconds(t0)} s)\n`,
        );
        const t1 = Date.now();
        // one `warm:` line whatever happens: the server is as ready as it gets
        const jobs = primaryOf(store);
        const heating = await heatingCacheOf(jobs)
          .warm()
          .then(
            (n) =>
              n === null
                ? 'the heating of the buildings is read by the bulk jobs that need it'
                : `heating of ${n} buildings read for the bulk jobs (${seconds(t1)} s)`,
            (err: Error) => `heating cache not filled (${err.message}): read by the bulk jobs`,
          );
        // then the bulk jobs' code, run once before a job needs it (src/jobs/warm-up.ts)
        const t2 = Date.now();
        const code = await (async () => {
          const { index: networks, version } = await networkServiceOf(jobs).ready();
          // what the cache holds, nothing read for the warm-up's rows (a national index's are everywhere)
          const heatingKept = (await heatingCacheOf(jobs).fresh()).keptOnly();
          const ctx = { db: jobs, addresses: ix, networks, networksVersion: version, heating: heatingKept };
          return warmUpBulk(ctx);
        })().then(
          (n) => `bulk code run on ${n} rows (${seconds(t2)} s)`,
          (err: Error) => `bulk code not run ahead (${err.message})`,
        );
        process.stdout.write(`warm: ${heating}; ${code}\n`);
      },
      (err: Error) => process.stderr.write(`address index not built: ${err.message}\n`),
    );
  // demands: reminders and the retention purge, now and every hour (src/demands/demand-jobs.ts)
  const mailer = mailerFromEnv();
  const stopDemandJobs = startDemandJobs(primaryOf(store), {
    mailer,
    retentionDays: retentionDaysFromEnv(process.env.BATID_DEMANDS_RETENTION_DAYS),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stdout.write('shutting down…\n');
      void stopDemandJobs()
        .then(() => mailer?.close())
        .then(() => app.close())
        .then(() => resolve());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export async function runServe(args: string[]): Promise<number> {
  const { values } = parse(args, { ...DB_OPTIONS, ...SERVE_OPTIONS });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = parsePort(values.port);
  const options = storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db });
  // read replicas: a usage error (exit 2) when the URLs are malformed or there is no server
  try {
    options.readUrls = parseReadUrls(values['read-url']);
    checkReadUrls(options);
  } catch (err) {
    process.stderr.write(`batid serve: ${(err as Error).message}\n`);
    return 2;
  }
  const workers = parseWorkers(values.workers, !!options.databaseUrl);
  if (workers > 1 && cluster.isPrimary) {
    await sweepLeftovers(null);
    return supervise(workers);
  }
  const store = await openStore(options);
  try {
    await serve(store, values.host ?? '127.0.0.1', port, {
      logLevel: parseLogLevel(values.log),
      rateLimit: parseRateLimits(process.env.BATID_RATE_LIMIT),
      maxConcurrent: maxConcurrentFromEnv(store.kind, process.env.BATID_MAX_CONCURRENT),
    });
  } finally {
    await store.close();
  }
  return 0;
}
