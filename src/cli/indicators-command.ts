import { indicators, indicatorsCsv } from '../renovation/indicators.js';
import {
  IndicatorInputError,
  TERRITORY_LEVELS,
  type TerritoryLevel,
} from '../renovation/territory-indicators.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';

const HELP = `usage: batid indicators --level commune|epci|iris|departement [--code C] [--year YYYY] [--format json|csv]
  Territory indicators of renovation policy, one row per territory (without --code: every
  territory of the imported départements): buildings and dwellings by DPE label (original and
  with the 2026 electricity factor), F/G share, G+, DPE coverage, renovations detected per year
  and per label transition, heating energy mix, collective vs individual heating, social
  housing labels (RPLS), metered consumption per dwelling (DLE), permits (SITADEL).
  Shares come as {part, n, sur} so that they can be re-aggregated. With --year: the stock as on
  31 December of that year, the renovations, permits and metered consumption of that year.
  --level departement adds, under "reseaux_chaleur", the buildings and dwellings at 50/100/150 m
  of a heat network in France Chaleur Urbaine's layout (stats-bdnb-2022-departements.json).
  json: {"level", "year", "results": [row…]}; csv: one line per row, nested fields as dotted
  columns ("dpe.etiquettes.F.batiments").
`;

/** `batid indicators --level L [--code C] [--year Y] [--format json|csv]`. */
export async function runIndicators(
  args: string[],
  write: (text: string) => void = (t) => void process.stdout.write(t),
): Promise<number> {
  const { values } = parse(args, {
    ...DB_OPTIONS,
    level: { type: 'string' },
    code: { type: 'string' },
    year: { type: 'string' },
    format: { type: 'string', default: 'json' },
  });
  if (values.help) {
    write(HELP);
    return 0;
  }
  const level = values.level as TerritoryLevel | undefined;
  const fail = (message: string) => {
    process.stderr.write(`batid indicators: ${message}\n\n${HELP}`);
    return 2;
  };
  if (!level || !TERRITORY_LEVELS.includes(level))
    return fail(`--level: expected one of ${TERRITORY_LEVELS.join(', ')}, got ${values.level ?? 'nothing'}`);
  if (values.format !== 'json' && values.format !== 'csv')
    return fail(`--format: expected json or csv, got ${values.format}`);
  if (values.year !== undefined && !/^\d{4}$/.test(values.year))
    return fail(`--year: expected a year such as 2024, got ${values.year}`);
  const year = values.year === undefined ? undefined : Number(values.year);

  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    const results = await indicators(store, { level, code: values.code, year }, { networks: true });
    write(
      values.format === 'csv'
        ? indicatorsCsv(results)
        : `${JSON.stringify({ level, year: year ?? null, results }, null, 2)}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof IndicatorInputError) return fail(err.message);
    throw err;
  } finally {
    await store.close();
  }
}
