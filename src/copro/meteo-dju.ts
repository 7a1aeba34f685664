/**
 * Degree days per département and year from Météo-France daily files, streamed (plain or gzip):
 * per station and calendar year when the station has TN and TX on enough heating-season days,
 * per département the mean of its complete stations, and a reference over a period. No
 * database: `importMeteoFranceDaily` (degree-days.ts) writes what this computes.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { DJU_MIN_COVERAGE, DjuAccumulator, meanByYear, referenceDju } from './dju.js';
import { deptOfMeteoFile, deptOfStation, parseMeteoHeader, parseMeteoLine } from './meteo-daily.js';

export interface MeteoDjuOptions {
  /** Years (inclusive) the reference is the mean of; default every complete year read. */
  referencePeriod?: readonly [number, number] | undefined;
  /** Default 0.95. */
  minCoverage?: number | undefined;
  /** How many malformed lines to keep as examples (default 20). */
  maxExamples?: number | undefined;
}

export interface MalformedLine {
  file: string;
  /** 1-based, the header being line 1. */
  line: number;
  /** The column's name in the header. */
  column: string;
  message: string;
}

export interface SkippedStationYear {
  dept: string | null;
  station: string;
  name: string;
  year: number;
  /** Heating-season days with TN and TX, of `seasonDays`. */
  days: number;
  seasonDays: number;
  reason: string;
}

export interface DeptDju {
  dept: string;
  /** The files its stations were read from. */
  files: string[];
  /** Stations with at least one complete year. */
  stations: number;
  years: { year: number; dju: number; stations: number }[];
  /** Null when no complete year falls in the period. */
  reference: { dju: number; years: number[]; period: [number, number] | null; stations: number } | null;
}

export interface MeteoDjuResult {
  /** Each file read; `error` when it was refused (not this layout) or could not be read to its end. */
  files: { file: string; lines: number; stations: number; error: string | null }[];
  departements: DeptDju[];
  /** Station-years with some temperatures but too few (the first and last years of a file, gaps). */
  skipped: SkippedStationYear[];
  /** Station-years with no TN/TX at all (rain-only stations): counted, not listed. */
  withoutTemperature: number;
  /** Stations whose département cannot be told (a Corsican commune that is not known). */
  unknownStations: { station: string; name: string }[];
  malformed: { count: number; first: MalformedLine[] };
}

/** The lines of a plain or gzip file (told by its first bytes, whatever its name). */
async function lines(path: string): Promise<{ lines: AsyncIterable<string>; close(): void }> {
  const fh = await open(path, 'r');
  const magic = Buffer.alloc(2);
  await fh.read(magic, 0, 2, 0);
  await fh.close();
  const raw = createReadStream(path);
  const input: Readable = magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (err) => input.destroy(err));
  const rl = createInterface({ input, crlfDelay: Infinity });
  return {
    lines: rl,
    close: () => {
      rl.close();
      raw.destroy();
    },
  };
}

/** Reads the files and computes the degree days of each département and year. */
export async function meteoDju(
  files: readonly string[],
  opts: MeteoDjuOptions = {},
): Promise<MeteoDjuResult> {
  const maxExamples = opts.maxExamples ?? 20;
  const acc = new DjuAccumulator();
  const stations = new Map<string, { name: string; dept: string | null; files: Set<string> }>();
  const malformed = { count: 0, first: [] as MalformedLine[] };
  const bad = (m: MalformedLine) => {
    malformed.count++;
    if (malformed.first.length < maxExamples) malformed.first.push(m);
  };
  const fileResults: MeteoDjuResult['files'] = [];

  for (const path of files) {
    const file = basename(path);
    const fileDept = deptOfMeteoFile(file);
    const seen = new Set<string>();
    let n = 0;
    let error: string | null = null;
    let src;
    try {
      src = await lines(path);
    } catch (err) {
      error = `cannot be read: ${(err as Error).message}`;
    }
    if (src) {
      let cols: ReturnType<typeof parseMeteoHeader> | null = null;
      try {
        for await (const line of src.lines) {
          n++;
          if (!cols) {
            cols = parseMeteoHeader(line);
            if ('error' in cols) {
              error = cols.error;
              break;
            }
            continue;
          }
          if (line.trim() === '') continue;
          const r = parseMeteoLine(line, cols);
          if (!r.ok) {
            bad({ file, line: n, column: r.column, message: r.message });
            continue;
          }
          let st = stations.get(r.station);
          if (!st) {
            const dept = deptOfStation(r.station) ?? (fileDept && fileDept !== '20' ? fileDept : null);
            stations.set(r.station, (st = { name: r.name, dept, files: new Set() }));
          }
          st.files.add(file);
          seen.add(r.station);
          const added = acc.add(r.station, r.year, r.month, r.day, r.tmin, r.tmax);
          if (added === 'duplicate')
            bad({
              file,
              line: n,
              column: 'AAAAMMJJ',
              message: `station ${r.station} already has a line for ${r.year}-${String(r.month).padStart(2, '0')}-${String(r.day).padStart(2, '0')}: this one is ignored`,
            });
        }
        if (!cols && !error) error = 'empty file';
      } catch (err) {
        // a truncated gzip or a read error: what was read counts, the file is reported
        error = `read stopped at line ${n}: ${(err as Error).message}`;
      } finally {
        src.close();
      }
    }
    fileResults.push({ file, lines: n, stations: seen.size, error });
  }

  const skipped: SkippedStationYear[] = [];
  let withoutTemperature = 0;
  const byDept = new Map<string, { station: string; year: number; dju: number }[]>();
  const unknownStations: MeteoDjuResult['unknownStations'] = [];
  for (const [station, st] of stations) if (!st.dept) unknownStations.push({ station, name: st.name });
  const minCoverage = opts.minCoverage ?? DJU_MIN_COVERAGE;
  for (const sy of acc.results(minCoverage)) {
    const st = stations.get(sy.station)!;
    if (!sy.complete) {
      if (sy.days === 0) withoutTemperature++;
      else
        skipped.push({
          dept: st.dept,
          station: sy.station,
          name: st.name,
          year: sy.year,
          days: sy.days,
          seasonDays: sy.seasonDays,
          reason: `TN and TX on ${sy.days} of ${sy.seasonDays} heating-season days (${Math.round((100 * sy.days) / sy.seasonDays)} %, ${Math.round(minCoverage * 100)} % needed)`,
        });
      continue;
    }
    if (!st.dept) continue;
    const xs = byDept.get(st.dept);
    const v = { station: sy.station, year: sy.year, dju: sy.dju! };
    if (xs) xs.push(v);
    else byDept.set(st.dept, [v]);
  }

  const period = opts.referencePeriod
    ? ([opts.referencePeriod[0], opts.referencePeriod[1]] as [number, number])
    : null;
  const departements: DeptDju[] = [...byDept]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([dept, xs]) => {
      const years = meanByYear(xs);
      const ref = referenceDju(years, period ?? undefined);
      const refStations = new Set(xs.filter((x) => ref?.years.includes(x.year)).map((x) => x.station)).size;
      const deptFiles = new Set<string>();
      for (const x of xs) for (const f of stations.get(x.station)!.files) deptFiles.add(f);
      return {
        dept,
        files: [...deptFiles].sort(),
        stations: new Set(xs.map((x) => x.station)).size,
        years,
        reference: ref && { ...ref, period, stations: refStations },
      };
    });

  return { files: fileResults, departements, skipped, withoutTemperature, unknownStations, malformed };
}
