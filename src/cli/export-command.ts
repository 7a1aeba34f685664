import { exportBuildingsToFile, NoBuildingsError, writeBuildings } from '../buildings/export.js';
import { EXPORT_FORMATS } from '../buildings/export-formats.js';
import { Ogr2ogrMissingError } from '../buildings/export-gpkg.js';
import { normaliseDept } from '../ingest/dept.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';
import { Progress } from './progress.js';

const HELP = `usage: batid export --format geojson|csv|gpkg --dept 03 [--out FILE]
  Every standing building (BatID) of a département, one feature/row each, ordered by BatID:
  batid, status, code_departement_insee, code_commune_insee, libelle_commune,
  batiment_groupe_id, batiment_construction_id (BDNB), rnb_id, cle_interop_adr and adresse (its
  first address, valid BAN links first), usage, annee_construction, nb_log (Fichiers fonciers),
  classe_dpe, classe_dpe_2026, energie_chauffage, installation_chauffage (latest valid DPE,
  else the BDNB representative one), surface_m2, and the footprint.
  geojson  a FeatureCollection in WGS84 (RFC 7946, 7 decimals), id = BatID
  csv      UTF-8, ",", RFC 4180 quoting; footprint as WKT in WGS84 (geometry_wkt) and lon/lat of
           a point on it
  gpkg     a GeoPackage, layer "buildings" in Lambert-93 (EPSG:2154); needs GDAL's ogr2ogr
           (apt-get install gdal-bin); --out required
  --out FILE  default: standard output (geojson, csv). A file is written aside and renamed into
              place when complete. Streamed: memory stays flat whatever the département's size.
  Exit: 0 done, 1 no building in the département / ogr2ogr missing / failure, 2 bad arguments.
`;

/** Resolves once what was written to `out` has been handed to the system (stdout may be asynchronous). */
function flushed(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => out.write('', (err) => (err ? reject(err) : resolve())));
}

/** `batid export --format F --dept D [--out FILE]`. */
export async function runExport(args: string[]): Promise<number> {
  const usage = (message: string) => {
    process.stderr.write(`batid export: ${message}\n\n${HELP}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parse(args, {
      ...DB_OPTIONS,
      format: { type: 'string', short: 'f' },
      dept: { type: 'string' },
      out: { type: 'string', short: 'o' },
    });
  } catch (err) {
    // parse() appends the general usage: this command's is the one that helps
    return usage(String(err instanceof Error ? err.message : err).split('\n')[0]!);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length) return usage(`unexpected argument "${positionals[0]}"`);
  const format = EXPORT_FORMATS.find((f) => f === values.format);
  if (!format)
    return usage(`--format: expected one of ${EXPORT_FORMATS.join(', ')}, got ${values.format ?? 'nothing'}`);
  if (values.dept === undefined) return usage('--dept: expected a département code such as 03, got nothing');
  const dept = normaliseDept(values.dept);
  if (!dept) return usage(`--dept: expected a département code such as 03, 2A or 974, got "${values.dept}"`);
  const out = values.out;
  if (out === '') return usage('--out: expected a file name, got an empty one');
  const target = out
    ? ({ kind: 'file', path: out } as const)
    : format === 'gpkg'
      ? null
      : ({ kind: 'stream', format } as const);
  if (!target) return usage('--out FILE.gpkg is required with --format gpkg');

  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  const t0 = Date.now();
  const progress = new Progress(process.stderr, undefined, 'rows');
  const onProgress = (done: number, total: number) => progress.update(`export ${dept}`, done, total);
  try {
    let n: number;
    if (target.kind === 'file')
      n = await exportBuildingsToFile(store, dept, format, target.path, {
        onProgress,
        onStage: (stage) => {
          progress.done();
          process.stderr.write(`${stage}…\n`);
        },
      });
    else {
      n = await writeBuildings(store, dept, target.format, process.stdout, { onProgress });
      await flushed(process.stdout);
    }
    progress.done();
    const s = ((Date.now() - t0) / 1000).toFixed(1);
    process.stderr.write(`${n} buildings → ${out ?? 'stdout'} (${format}, ${s} s)\n`);
    return 0;
  } catch (err) {
    progress.done();
    if (err instanceof NoBuildingsError || err instanceof Ogr2ogrMissingError) {
      process.stderr.write(`batid export: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}
