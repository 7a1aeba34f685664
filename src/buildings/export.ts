/**
 * `batid export`: every standing building of a département as GeoJSON (WGS84), CSV (WGS84 WKT)
 * or GeoPackage (Lambert-93, through ogr2ogr), streamed page by page with backpressure: memory
 * stays at one page whatever the size of the département. Files are written aside and renamed
 * into place, so a failed export never leaves a truncated file under the asked name.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Store } from '../store/store.js';
import { geojsonSeqToGpkg, requireOgr2ogr } from './export-gpkg.js';
import { writeAside } from '../util/write-aside.js';
import {
  CSV_HEADER,
  csvLine,
  GEOJSON_HEAD,
  GEOJSON_TAIL,
  geojsonFeature,
  geojsonSeqLineL93,
  type ExportFormat,
} from './export-formats.js';
import { countExportBuildings, exportPages } from './export-rows.js';

/** A département with no standing building: nothing to export (the CLI says so, exit 1). */
export class NoBuildingsError extends Error {
  constructor(readonly dept: string) {
    super(`no building in département ${dept} (import it first: batid import DIR)`);
  }
}

/** What goes down a stream: the two public formats, and the Lambert-93 feed of ogr2ogr. */
export type StreamFormat = Exclude<ExportFormat, 'gpkg'> | 'geojsonseq-l93';

export interface ExportOptions {
  onProgress?: (done: number, total: number) => void;
  /** buildings per query (default EXPORT_PAGE_SIZE) */
  pageSize?: number;
}

/** Buffers small writes into ~64 KB chunks and waits for `drain` when the stream asks to. */
class Sink {
  private buf = '';
  private error: Error | null = null;
  private readonly onError = (e: Error) => (this.error ??= e);

  constructor(private readonly out: Writable) {
    out.on('error', this.onError);
  }

  async write(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.error) throw this.error;
    if (!this.buf) return;
    const chunk = this.buf;
    this.buf = '';
    if (this.out.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        this.out.off('drain', onDrain).off('error', onFail).off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      const onFail = (e: Error) => done(e);
      const onClose = () => done(this.error ?? new Error('the output was closed before the export ended'));
      this.out.on('drain', onDrain).on('error', onFail).on('close', onClose);
    });
  }

  release(): void {
    this.out.off('error', this.onError);
  }
}

/**
 * Writes the standing buildings of `dept` to `out` (not ended) and returns how many. Throws
 * NoBuildingsError before writing anything when there is none.
 */
export async function writeBuildings(
  store: Store,
  dept: string,
  format: StreamFormat,
  out: Writable,
  opts: ExportOptions = {},
): Promise<number> {
  const total = await countExportBuildings(store, dept);
  if (total === 0) throw new NoBuildingsError(dept);
  const sink = new Sink(out);
  try {
    let done = 0;
    if (format === 'geojson') await sink.write(GEOJSON_HEAD);
    if (format === 'csv') await sink.write(CSV_HEADER);
    for await (const page of exportPages(store, dept, opts.pageSize)) {
      for (const row of page) {
        if (format === 'geojson') await sink.write(`${done ? ',\n' : ''}${geojsonFeature(row)}`);
        else if (format === 'csv') await sink.write(csvLine(row));
        else await sink.write(geojsonSeqLineL93(row));
        done++;
      }
      await sink.flush();
      // an import in between may add buildings: the bar never runs past 100 %
      opts.onProgress?.(done, Math.max(total, done));
    }
    if (format === 'geojson') await sink.write(`${done ? '' : '\n'}${GEOJSON_TAIL}`);
    await sink.flush();
    return done;
  } finally {
    sink.release();
  }
}

async function writeFile(
  store: Store,
  dept: string,
  format: StreamFormat,
  path: string,
  opts: ExportOptions,
): Promise<number> {
  const file = createWriteStream(path);
  const opened = new Promise<void>((resolve, reject) =>
    file.once('open', () => resolve()).once('error', reject),
  );
  try {
    await opened;
    const n = await writeBuildings(store, dept, format, file, opts);
    await new Promise<void>((resolve, reject) => file.once('error', reject).end(resolve));
    return n;
  } catch (err) {
    file.destroy();
    throw err;
  }
}

/**
 * Exports to a file: written as `PATH.part` (GeoJSON, CSV) or built in a temp folder beside it
 * (GeoPackage: a GeoJSON text sequence in Lambert-93, then ogr2ogr), then renamed into place.
 */
export async function exportBuildingsToFile(
  store: Store,
  dept: string,
  format: ExportFormat,
  path: string,
  opts: ExportOptions & { onStage?: (stage: string) => void } = {},
): Promise<number> {
  if (format !== 'gpkg') return writeAside(path, (part) => writeFile(store, dept, format, part, opts));
  await requireOgr2ogr();
  const tmp = await mkdtemp(join(dirname(path), '.batid-export-'));
  try {
    const seq = join(tmp, 'buildings.geojsonl');
    const n = await writeFile(store, dept, 'geojsonseq-l93', seq, opts);
    opts.onStage?.('GeoPackage (ogr2ogr)');
    const gpkg = join(tmp, 'buildings.gpkg');
    await geojsonSeqToGpkg(seq, gpkg);
    await rename(gpkg, path);
    return n;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
