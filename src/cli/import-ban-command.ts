import { BanInputError, importBan } from '../ingest/ban/import-ban.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';
import { Progress } from './progress.js';

const HELP = `usage: batid import-ban FILE.csv… [--rejects FILE]
  Imports BAN address files (adresse.data.gouv.fr "adresses-DD.csv" layout, ; or , separated).
  The départements they hold replace the previous BAN addresses of those départements.
`;

/** `batid import-ban FILE…`: BAN addresses for the address search. */
export async function runImportBan(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...DB_OPTIONS, rejects: { type: 'string' } });
  if (values.help || !positionals.length) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  const progress = new Progress();
  const t0 = Date.now();
  try {
    const r = await importBan(store, positionals, {
      rejectsPath: values.rejects,
      onProgress: (label, done, total) => progress.update(label, done, total),
      onFileDone: (f) => {
        progress.done();
        process.stdout.write(
          `${f.file}: ${f.imported} addresses imported, ${f.rejected} rejected, ${f.duplicate} duplicates (départements ${f.depts.join(', ') || 'none'})\n`,
        );
      },
    });
    process.stdout.write(
      `done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${r.imported} BAN addresses in ${r.depts.length} département(s), ${r.rejected} rejected (${store.kind} database ${store.location})\n`,
    );
    if (r.rejectsPath) process.stdout.write(`rejected rows and duplicates: ${r.rejectsPath}\n`);
    return 0;
  } catch (err) {
    if (err instanceof BanInputError) {
      process.stderr.write(`batid import-ban: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await store.close();
  }
}
