/**
 * The layout of Météo-France's daily climatological files (meteo.data.gouv.fr, « Données
 * climatologiques de base – quotidiennes »): `Q_<dept>_<period>_RR-T-Vent.csv[.gz]`,
 * `;`-separated, header `NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;HTN;QHTN;TX;QTX;…`,
 * TN/TX in °C with `.` decimals, empty when not measured. Pure: a header or a line in, fields or
 * the reason out.
 */
import { createRequire } from 'node:module';
import { dayOfYear } from './dju.js';

/** Indexes of the columns the degree days need. */
export interface MeteoColumns {
  station: number;
  name: number | null;
  date: number;
  tn: number;
  tx: number;
  /** The header's names, for messages. */
  names: string[];
}

const REQUIRED = ['NUM_POSTE', 'AAAAMMJJ', 'TN', 'TX'] as const;

/** The columns of a header line, or what is missing. */
export function parseMeteoHeader(line: string): MeteoColumns | { error: string } {
  const names = line
    .replace(/^\uFEFF/, '')
    .split(';')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length)
    return {
      error: `not a Météo-France daily file: the header lacks ${missing.join(', ')} (expected NUM_POSTE;NOM_USUEL;LAT;LON;ALTI;AAAAMMJJ;RR;QRR;TN;QTN;…;TX;…, got "${line.slice(0, 80)}")`,
    };
  const name = names.indexOf('NOM_USUEL');
  return {
    station: names.indexOf('NUM_POSTE'),
    name: name < 0 ? null : name,
    date: names.indexOf('AAAAMMJJ'),
    tn: names.indexOf('TN'),
    tx: names.indexOf('TX'),
    names,
  };
}

export type MeteoLine =
  | {
      ok: true;
      station: string;
      name: string;
      year: number;
      month: number;
      day: number;
      tmin: number | null;
      tmax: number | null;
    }
  | { ok: false; column: string; message: string };

const TEMPERATURE = /^-?\d{1,2}(\.\d+)?$/;

function temperature(s: string): number | null | undefined {
  if (s === '') return null;
  if (!TEMPERATURE.test(s)) return undefined;
  const t = Number(s);
  return t >= -70 && t <= 60 ? t : undefined;
}

/** One data line: the station, the date and TN/TX (null when empty), or the first bad field. */
export function parseMeteoLine(line: string, cols: MeteoColumns): MeteoLine {
  const f = line.split(';');
  const need = Math.max(cols.station, cols.date, cols.tn, cols.tx) + 1;
  if (f.length < need)
    return {
      ok: false,
      column: cols.names[f.length]!,
      message: `the line ends before this column: expected at least ${need} fields separated by ";", got ${f.length}`,
    };
  const station = f[cols.station]!.trim();
  if (!/^\d{8}$/.test(station))
    return {
      ok: false,
      column: 'NUM_POSTE',
      message: `expected an 8-digit station number, got "${station}"`,
    };
  const date = f[cols.date]!.trim();
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(4, 6));
  const day = Number(date.slice(6, 8));
  if (!/^\d{8}$/.test(date) || year < 1800 || dayOfYear(year, month, day) < 0)
    return { ok: false, column: 'AAAAMMJJ', message: `expected a date YYYYMMDD, got "${date}"` };
  const tmin = temperature(f[cols.tn]!.trim());
  if (tmin === undefined)
    return {
      ok: false,
      column: 'TN',
      message: `expected a temperature in °C such as -3.5 or empty, got "${f[cols.tn]}"`,
    };
  const tmax = temperature(f[cols.tx]!.trim());
  if (tmax === undefined)
    return {
      ok: false,
      column: 'TX',
      message: `expected a temperature in °C such as 12.4 or empty, got "${f[cols.tx]}"`,
    };
  return {
    ok: true,
    station,
    name: cols.name === null ? '' : (f[cols.name] ?? '').trim(),
    year,
    month,
    day,
    tmin,
    tmax,
  };
}

/** The département a file name gives (`Q_03_…` → 03, `Q_20_…` → 20 for Corsica, `Q_974_…`), or null. */
export function deptOfMeteoFile(fileName: string): string | null {
  const m = /^Q_(\d{2,3}|2[AB])_/i.exec(fileName);
  return m ? m[1]!.toUpperCase() : null;
}

const require = createRequire(import.meta.url);
let corsica: Map<string, string> | null = null;

/**
 * The département of a station: its number starts with the INSEE code of its commune, where
 * Corsica is written 20 (so the commune tells 2A from 2B) and overseas départements take three
 * digits. Null for a Corsican commune that is not known.
 */
export function deptOfStation(numPoste: string): string | null {
  if (numPoste.startsWith('97')) return numPoste.slice(0, 3);
  const d = numPoste.slice(0, 2);
  if (d !== '20') return d;
  if (!corsica) {
    const all = require('@etalab/decoupage-administratif/data/communes.json') as {
      code: string;
      departement?: string;
    }[];
    corsica = new Map();
    for (const c of all)
      if (c.departement === '2A' || c.departement === '2B') corsica.set(c.code.slice(2), c.departement);
  }
  return corsica.get(numPoste.slice(2, 5)) ?? null;
}
