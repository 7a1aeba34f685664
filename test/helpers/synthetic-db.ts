import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { BDNB_TABLES } from '../../src/ingest/catalog/bdnb-tables.js';
import { importBdnb } from '../../src/ingest/import-dir.js';
import type { Store } from '../../src/store/store.js';
import { synthesize } from '../../src/synth/synthesize.js';
import type { Backend } from './backends.js';

export interface SyntheticDb {
  backend: Backend;
  store: Store;
  app: FastifyInstance;
  /** A temp dir for the test's own files; the synthetic export is in `export`. */
  dir: string;
  export: string;
  close(): Promise<void>;
}

/** A synthetic département (03, seed 1) imported into a fresh database of the backend, with the HTTP app on it. */
export async function syntheticDb(
  make: () => Backend,
  opts: { scale?: number; app?: AppOptions } = {},
): Promise<SyntheticDb> {
  const dir = await mkdtemp(join(tmpdir(), 'batid-synthdb-'));
  const out = join(dir, 's');
  await synthesize({ dept: '03', scale: opts.scale ?? 0.02, seed: 1, out });
  const backend = make();
  const store = await backend.open();
  const app = await buildApp(store, opts.app);
  await importBdnb(store, BDNB_TABLES, {
    paths: [out],
    millesime: '2024-10',
    rejectsPath: join(dir, 'r.csv'),
  });
  return {
    backend,
    store,
    app,
    dir,
    export: out,
    async close() {
      await app.close();
      await backend.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
