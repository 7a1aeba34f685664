import { buildCardBodies, staleCardDepartements } from '../buildings/card.js';
import { normaliseDept } from '../ingest/dept.js';
import { cardsLine } from '../ingest/import-dir.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';

const HELP = `usage: batid cards [--dept 03]
  Builds the building cards' bodies (what a card reads by building group, built at each import)
  of every département whose bodies are absent or older than its data: a database imported
  before they existed, or an import stopped after it had replaced a table. Their cards are
  right meanwhile, read table by table, only slower. --dept: that département, current or not.
`;

/** `batid cards [--dept D]` */
export async function runCards(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...DB_OPTIONS, dept: { type: 'string' } });
  if (values.help || positionals.length) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const dept = values.dept === undefined ? undefined : normaliseDept(values.dept);
  if (dept === null) {
    process.stderr.write(
      `batid cards: --dept ${values.dept}: not a département code (01…95, 2A, 2B, 971…976)\n`,
    );
    return 2;
  }
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    const depts = dept ? [dept] : await staleCardDepartements(store);
    if (!depts.length) process.stdout.write('every département’s card bodies are current\n');
    for (const d of depts) {
      process.stdout.write(`cards ${d}: building…\n`);
      process.stdout.write(`${cardsLine(await buildCardBodies(store, d))}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
