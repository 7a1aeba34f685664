import { buildApp } from '../http/app.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { DB_OPTIONS, USAGE, parse } from './main.js';

export const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
} as const;

export function parsePort(v: string | undefined, fallback = 8080): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--port must be an integer 0…65535, got "${v}"`);
  return n;
}

/** Serves until SIGINT/SIGTERM, then closes the server and the database cleanly. */
export async function serve(store: Store, host: string, port: number): Promise<void> {
  const app = await buildApp(store);
  const address = await app.listen({ host, port });
  process.stdout.write(`BatID serving on ${address} (${store.kind} database ${store.location})\n`);
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
    await serve(store, values.host ?? '127.0.0.1', port);
  } finally {
    await store.close();
  }
  return 0;
}
