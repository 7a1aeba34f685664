import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BDNB_TABLES } from '../ingest/catalog/bdnb-tables.js';
import type { TableDef } from '../ingest/catalog/types.js';
import { columnValue, geometryWkt, SEED, wgs84Point } from './columns.js';
import { communesOf } from './communes.js';
import { DPE_TRUTH_FILE, dpeTruthOf, writeDpeTruth } from './dpe-truth.js';
import { CsvOut, csvtLine, exportColumns, field, headerLine } from './csv-writer.js';
import { planNetworks, writeNetworks } from './networks.js';
import { writeSynthMeteo } from './meteo.js';
import { profileOf as drawProfile, type Profile } from './profile.js';
import { Prng, seedOf } from './prng.js';
import type { RowCtx } from './rows.js';
import { genericSource, ONCE, PER_TOWN, SOURCES } from './tables.js';
import { buildWorld, type Group, type Town } from './world.js';

export interface SynthOptions {
  dept: string;
  scale: number;
  seed: number;
  out: string;
  onProgress?: (table: string, rows: number) => void;
}

export interface SynthResult {
  tables: Record<string, number>;
  files: string[];
}

/**
 * A synthetic département in the BDNB CSV export layout: every catalogue table (`.csvt` beside
 * each), plus heat networks in the FCU open-data layout, the DPE ground truth
 * (`ground_truth_dpe.csv`, dpe-truth.ts) and daily weather in Météo-France's layout
 * (`Q_<dept>_synth-…_RR-T-Vent.csv.gz`, meteo.ts; `batid import` skips it: not a .csv). Same
 * options, same bytes.
 */
export async function synthesize(opts: SynthOptions): Promise<SynthResult> {
  const { towns, networks, profileOf: pf } = syntheticWorld(opts);
  await mkdir(opts.out, { recursive: true });
  SEED.value = opts.seed;
  await writeNetworks(opts.out, networks);
  const tables: Record<string, number> = {};
  for (const t of BDNB_TABLES) {
    tables[t.name] = await writeTable(t, towns, pf, opts);
    opts.onProgress?.(t.name, tables[t.name]!);
  }
  await writeDpeTruth(join(opts.out, DPE_TRUTH_FILE), dpeTruthOf(towns, pf, opts.seed));
  const meteo = await writeSynthMeteo(opts.out, towns, opts.dept, opts.seed);
  return {
    tables,
    files: [...BDNB_TABLES.map((t) => `${t.name}.csv`), ...Object.keys(networks), DPE_TRUTH_FILE, meteo],
  };
}

/** The towns, heat networks and group profiles `synthesize` writes (tests read them too). */
export function syntheticWorld(opts: Pick<SynthOptions, 'dept' | 'scale' | 'seed'>): {
  towns: Town[];
  networks: Record<string, string>;
  profileOf: (g: Group) => Profile;
} {
  if (!(opts.scale > 0 && opts.scale <= 2)) throw new Error(`scale must be in (0, 2], got ${opts.scale}`);
  const communes = communesOf(opts.dept);
  if (!communes.length)
    throw new Error(`no commune in département "${opts.dept}" (expected a code such as 03, 2A, 974)`);
  const towns = buildWorld(opts.dept, communes, opts.scale, opts.seed);
  const networks = planNetworks(towns, opts.dept, opts.seed);
  const profiles = new Map<Group, Profile>();
  const profileOf = (g: Group) => {
    let p = profiles.get(g);
    if (!p) profiles.set(g, (p = drawProfile(g, opts.seed)));
    return p;
  };
  return { towns, networks, profileOf };
}

function* rowsOf(t: TableDef, towns: Town[], pf: (g: Group) => Profile, seed: number): Iterable<RowCtx> {
  if (ONCE.has(t.name)) {
    const seen = new Set<string>();
    for (const town of towns) {
      const key = t.name === 'referentiel_administratif_epci' ? (town.commune.epci ?? '') : t.name;
      if (seen.has(key) || !key) continue;
      seen.add(key);
      yield { town };
    }
    return;
  }
  if (PER_TOWN.has(t.name)) {
    for (const town of towns) {
      const irises = [...new Set(town.groups.map((g) => g.iris))].sort();
      for (const iris of irises) yield { town, g: town.groups.find((g) => g.iris === iris)!, p: undefined };
    }
    return;
  }
  const source = SOURCES[t.name] ?? genericSource(t);
  for (const town of towns) yield* source(town, pf, new Prng(seedOf(`${t.name}:${town.commune.code}`, seed)));
}

async function writeTable(
  t: TableDef,
  towns: Town[],
  pf: (g: Group) => Profile,
  opts: SynthOptions,
): Promise<number> {
  const cols = exportColumns(t.columns);
  await writeFile(join(opts.out, `${t.name}.csvt`), csvtLine(cols));
  const out = new CsvOut(join(opts.out, `${t.name}.csv`));
  await out.line(headerLine(cols));
  const rng = new Prng(seedOf(`values:${t.name}`, opts.seed));
  const keyCols = t.key.filter((k) => k !== 'code_departement_insee');
  const seen = new Set<string>();
  let n = 0;
  for (const x of rowsOf(t, towns, pf, opts.seed)) {
    if (x.g && !x.p && !PER_TOWN.has(t.name)) x.p = pf(x.g);
    const values = cols.map((c) => {
      if (c.type === 'geometry') return c === cols[0] ? geometryWkt(t.name, x) : null;
      if (/wgs84/.test(c.name)) return wgs84Point(x);
      return columnValue(c, x, rng, opts.dept, t.name);
    });
    // a key the model would repeat (generic tables) is written once, as the real exports do
    if (keyCols.length) {
      const key = keyCols
        .map((k) => String(values[cols.findIndex((c) => c.name === k)] ?? ''))
        .join('\u0001');
      if (seen.has(key) || keyCols.some((k) => values[cols.findIndex((c) => c.name === k)] == null)) continue;
      seen.add(key);
    }
    await out.line(`${cols.map((c, i) => field(c, values[i]!)).join(',')}\n`);
    n++;
  }
  await out.close();
  return n;
}
