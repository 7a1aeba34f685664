/**
 * The GeoPackage of `batid export`, written by GDAL's ogr2ogr (Debian/Ubuntu package gdal-bin):
 * a GeoJSON text sequence in Lambert-93 in, layer `buildings` in EPSG:2154 out.
 */
import { spawn } from 'node:child_process';

export const GPKG_LAYER = 'buildings';
export const OGR2OGR = 'ogr2ogr';

/** ogr2ogr is not on the PATH. */
export class Ogr2ogrMissingError extends Error {
  constructor() {
    super(
      `${OGR2OGR} not found on the PATH: --format gpkg needs GDAL ` +
        `(Debian/Ubuntu: apt-get install gdal-bin; macOS: brew install gdal), ` +
        `or export --format geojson and convert it yourself`,
    );
  }
}

/** Runs ogr2ogr; resolves with its output, rejects with its stderr when it fails. */
function run(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(OGR2OGR, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Ogr2ogrMissingError() : e),
    );
    child.once('close', (code, signal) => {
      if (code === 0) resolve(out);
      else
        reject(new Error(`${OGR2OGR} failed (${signal ?? `exit ${code}`}): ${err.trim() || 'no message'}`));
    });
  });
}

/** Throws Ogr2ogrMissingError when ogr2ogr cannot be run (checked before any export work). */
export async function requireOgr2ogr(): Promise<void> {
  await run(['--version']);
}

/** GeoJSON text sequence (Lambert-93 coordinates) → a new GeoPackage with layer `buildings`. */
export async function geojsonSeqToGpkg(seqPath: string, gpkgPath: string): Promise<void> {
  await run([
    '-f',
    'GPKG',
    gpkgPath,
    seqPath,
    '-nln',
    GPKG_LAYER,
    // the coordinates are Lambert-93 already: assigned, not reprojected
    '-a_srs',
    'EPSG:2154',
    // the registry's footprints are MultiPolygons (migrations/0003_batid.sql)
    '-nlt',
    'MULTIPOLYGON',
  ]);
}
