import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BDNB_TABLES } from '../ingest/catalog/bdnb-tables.js';
import { batidLine, importBdnb, cardsLine, renovationLine, summaryLine } from '../ingest/import-dir.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { synthesize, syntheticWorld } from '../synth/synthesize.js';
import { meteoFileName, writeSynthMeteo } from '../synth/meteo.js';
import { importMeteoFranceDaily } from '../copro/degree-days.js';
import { djuDemoLine } from './dju-command.js';
import { importNetworks } from '../networks/import-networks.js';
import { networkImportLines } from './import-networks-command.js';
import { DB_OPTIONS, USAGE, parse } from './main.js';
import { Progress } from './progress.js';
import { SERVE_OPTIONS, parseLogLevel, parsePort, serve } from './serve-command.js';
import { parseRateLimits } from '../http/rate-limit.js';
import { createKey } from '../auth/keys.js';

/** ≈ 5,000 buildings of a synthetic Allier. */
const DEMO_SCALE = 0.0125;

export async function runDemo(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...DB_OPTIONS,
    ...SERVE_OPTIONS,
    scale: { type: 'string' },
    dept: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const scale = values.scale ? Number(values.scale) : DEMO_SCALE;
  if (!(scale > 0 && scale <= 2))
    throw new Error(`--scale must be a number in (0, 2], got "${values.scale}"`);
  const dept = values.dept ?? '03';
  const port = parsePort(values.port);
  const out = join('.batid', `demo-${dept}-${scale}`);
  if (!existsSync(join(out, 'batiment_groupe.csv'))) {
    process.stdout.write(`writing a synthetic département ${dept} (scale ${scale}) to ${out}…\n`);
    await synthesize({ dept, scale, seed: 1, out });
  }
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    const progress = new Progress();
    const imported = await store.query(
      `SELECT 1 FROM batid.import_run WHERE source LIKE $1 AND status = 'done' LIMIT 1`,
      [`%${out.replace(/\\/g, '/')}`],
    );
    if (!imported.length) {
      process.stdout.write(`importing ${out}…\n`);
      await importBdnb(store, BDNB_TABLES, {
        paths: [out],
        millesime: 'synthetic',
        onProgress: (l, d, t) => progress.update(l, d, t),
        onFileDone: (r) => {
          progress.done();
          process.stdout.write(`${summaryLine(r)}\n`);
        },
        onBatids: (s) => process.stdout.write(`${batidLine(s)}\n`),
        onRenovations: (s) => process.stdout.write(`${renovationLine(s)}\n`),
        onCards: (s) => process.stdout.write(`${cardsLine(s)}\n`),
      });
    } else process.stdout.write(`${out} already imported in ${store.location}\n`);
    // the synthetic weather (Météo-France layout) → degree days, unless the département has some
    const [dju] = await store.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM copro.degree_days WHERE code_departement_insee = $1',
      [dept],
    );
    if (!dju!.n) {
      const weather = join(out, meteoFileName(dept));
      if (!existsSync(weather))
        await writeSynthMeteo(out, syntheticWorld({ dept, scale, seed: 1 }).towns, dept, 1);
      const s = await importMeteoFranceDaily(store, [weather], { updatedBy: 'demo' });
      process.stdout.write(`${djuDemoLine(s, meteoFileName(dept))}\n`);
    }
    const [networks] = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM fcu.import');
    const layers = readdirSync(out)
      .filter((f) => f.endsWith('.geojson'))
      .map((f) => join(out, f));
    if (!networks!.n && layers.length) {
      process.stdout.write(`importing the heat networks of ${out}…\n`);
      process.stdout.write(`${networkImportLines(await importNetworks(store, layers)).join('\n')}\n`);
    }
    // a demo key for the pages that need one (bulk test, energy follow-up, projects); the
    // previous demo keys are revoked, so only the one printed now works
    await store.query(
      `UPDATE access.api_key SET revoked_at = now() WHERE label = 'démo' AND revoked_at IS NULL`,
    );
    const { token } = await createKey(store, { role: 'admin', label: 'démo' });
    process.stdout.write(
      `demo API key (admin; paste it in « Espace conseiller » or « Clé d’API pro » in the web app):
  ${token}
`,
    );
    await serve(store, values.host ?? '127.0.0.1', port, {
      logLevel: parseLogLevel(values.log),
      rateLimit: parseRateLimits(process.env.BATID_RATE_LIMIT),
    });
  } finally {
    await store.close();
  }
  return 0;
}
