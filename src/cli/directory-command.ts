import { dirname, basename, join } from 'node:path';
import { DirectoryInputError, importDirectory } from '../directory/import-directory.js';
import { DIRECTORY_COLUMNS } from '../directory/professional-row.js';
import { RejectWriter } from '../ingest/rejects.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';

const HELP = `usage: batid directory import FILE.csv [--replace] [--rejects FILE] [--source NAME]
  Imports professionals into the directory (admin). The CSV is ; , or tab separated, UTF-8 (BOM
  ok) or Windows-1252, one business per row; header names (any case, accents optional):
${Object.entries(DIRECTORY_COLUMNS)
  .map(([k, v]) => `    ${k.padEnd(26)}${v}`)
  .join('\n')}
  A bad row (missing name, unknown specialty, bad SIRET, postcode, commune code, coordinates…) is
  written to the rejects file with its line, column and reason; the good rows are kept. A row
  without lon/lat is located from its address by the local address index (BDNB/BAN) when it
  matches well (score ≥ 0.8), else kept unlocated with a warning in the rejects file.
  Rows are added or updated by id; --replace makes the file's rows the whole directory.
  Rejects go next to the file (FILE.rejects.csv) unless --rejects FILE.
  Example: data/directory/exemple.csv (fictitious entries).
`;

/** `batid directory import FILE.csv`: the directory of professionals (issue 11 §5). */
export async function runDirectory(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, {
    ...DB_OPTIONS,
    rejects: { type: 'string' },
    replace: { type: 'boolean' },
    source: { type: 'string' },
  });
  if (values.help || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (sub !== 'import' || positionals.length !== 1) {
    process.stderr.write(HELP);
    return 2;
  }
  const path = positionals[0]!;
  const rejectsPath =
    values.rejects ?? join(dirname(path), `${basename(path).replace(/\.[^.]*$/, '')}.rejects.csv`);
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  const rejects = new RejectWriter(rejectsPath);
  try {
    const r = await importDirectory(store, path, {
      rejects,
      replace: values.replace,
      source: values.source,
    });
    await rejects.close();
    process.stdout.write(
      `${r.imported} imported, ${r.rejected} rejected${r.duplicates ? ` (${r.duplicates} duplicate ids)` : ''}, ${r.warnings} warnings` +
        ` — located: ${r.located.lonlat} by lon/lat, ${r.located.address} from the address, ${r.located.none} not located` +
        (r.replaced ? ` — replaced the directory (${r.removed} removed before)` : '') +
        ` (${store.kind} database ${store.location})\n`,
    );
    if (r.ignoredColumns.length)
      process.stdout.write(`ignored columns (not directory fields): ${r.ignoredColumns.join(', ')}\n`);
    if (rejects.written) process.stdout.write(`rejected rows and warnings: ${rejects.path}\n`);
    return 0;
  } catch (err) {
    await rejects.close();
    if (err instanceof DirectoryInputError) {
      process.stderr.write(`batid directory: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await store.close();
  }
}
