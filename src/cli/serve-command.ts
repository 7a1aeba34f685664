import { addressServiceOf } from '../address/address-service.js';
import { buildApp, type AppOptions } from '../http/app.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { DB_OPTIONS, USAGE, parse } from './main.js';

export const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  log: { type: 'string' },
} as const;

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

/** Serves until SIGINT/SIGTERM, then closes the server and the database cleanly. */
export async function serve(store: Store, host: string, port: number, opts: AppOptions = {}): Promise<void> {
  const app = await buildApp(store, opts);
  const address = await app.listen({ host, port });
  process.stdout.write(`BatID serving on ${address} (${store.kind} database ${store.location})\n`);
  // the address index is built now rather than on the first search
  const t0 = Date.now();
  void addressServiceOf(store)
    .ready()
    .then((ix) =>
      process.stdout.write(
        `address index ready: ${ix.size} addresses, ${ix.streetCount} streets, ${ix.communeCount} communes (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
      ),
    )
    .catch((err: Error) => process.stderr.write(`address index not built: ${err.message}\n`));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stdout.write('shutting down…\n');
      void app.close().then(() => resolve());
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
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    await serve(store, values.host ?? '127.0.0.1', port, { logLevel: parseLogLevel(values.log) });
  } finally {
    await store.close();
  }
  return 0;
}
