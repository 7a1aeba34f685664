import { linkedIds } from '../ids/linked-ids.js';
import { resolve, ResolveInputError, SCHEMES } from '../ids/resolve.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';

/** `batid resolve SCHEME ID`: the matching BatID(s) and all their linked identifiers, as JSON. */
export async function runResolve(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, DB_OPTIONS);
  const [scheme, id] = positionals;
  if (values.help || !scheme || !id) {
    process.stdout.write(`usage: batid resolve SCHEME ID   (schemes: ${SCHEMES.join(', ')})\n`);
    return values.help ? 0 : 2;
  }
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    const matches = await resolve(store, scheme, id);
    const out = [];
    for (const m of matches) out.push({ ...m, ids: (await linkedIds(store, m.batid))?.ids ?? {} });
    process.stdout.write(`${JSON.stringify({ matches: out }, null, 2)}\n`);
    if (!matches.length) process.stderr.write(`no building for ${scheme} ${id}\n`);
    return matches.length ? 0 : 1;
  } catch (err) {
    if (err instanceof ResolveInputError) {
      process.stderr.write(`batid resolve: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await store.close();
  }
}
