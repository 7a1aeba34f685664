/**
 * Degree days (DJU, base 18 °C) from daily temperatures (domain.md §4): pure, values in, values
 * out. A bill covers a calendar year, so the DJU of year Y is the sum over the heating-season days
 * of that calendar year: 1 January – 20 May and 1 October – 31 December, both ends included.
 */

export const DJU_BASE_C = 18;
/** Share of a year's heating-season days a station must have (TN and TX) for its year to count. */
export const DJU_MIN_COVERAGE = 0.95;

/** One day's degree days: max(0, 18 − (Tmin + Tmax) / 2). */
export function djuOfDay(tmin: number, tmax: number): number {
  return Math.max(0, DJU_BASE_C - (tmin + tmax) / 2);
}

/** Whether a day (month 1–12) is in the heating season: up to 20 May, from 1 October. */
export function isHeatingSeasonDay(month: number, day: number): boolean {
  return month <= 4 || (month === 5 && day <= 20) || month >= 10;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Heating-season days of a calendar year: 140 (141 in a leap year) + 92. */
export function heatingSeasonDays(year: number): number {
  return isLeapYear(year) ? 233 : 232;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Day of the year, 0-based, or -1 when (month, day) is not a date of that year. */
export function dayOfYear(year: number, month: number, day: number): number {
  if (!Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(day) || day < 1) return -1;
  const len = month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
  if (day > len) return -1;
  let n = day - 1;
  for (let m = 1; m < month; m++) n += m === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[m - 1]!;
  return n;
}

/** The degree days of one station and one calendar year. */
export interface StationYearDju {
  station: string;
  year: number;
  /**
   * The year's DJU, scaled up for the missing days (sum × season days ÷ days with data), rounded
   * to 0.1; null when the year is incomplete.
   */
  dju: number | null;
  /** Heating-season days with both TN and TX. */
  days: number;
  /** Heating-season days of the year (232 or 233). */
  seasonDays: number;
  complete: boolean;
}

export type AddDayResult = 'counted' | 'off_season' | 'missing' | 'duplicate' | 'invalid_date';

interface Acc {
  station: string;
  year: number;
  sum: number;
  days: number;
  seen: Uint8Array;
}

/**
 * Sums daily degree days per station and calendar year. Memory: one small record per
 * station-year, so a whole département file (≈ 100 stations × 75 years) streams through it.
 */
export class DjuAccumulator {
  private readonly acc = new Map<string, Acc>();

  /** Adds one day; a day already seen for that station is not counted twice. */
  add(
    station: string,
    year: number,
    month: number,
    day: number,
    tmin: number | null,
    tmax: number | null,
  ): AddDayResult {
    const doy = dayOfYear(year, month, day);
    if (doy < 0) return 'invalid_date';
    if (!isHeatingSeasonDay(month, day)) return 'off_season';
    const key = `${station}\u0001${year}`;
    let a = this.acc.get(key);
    if (!a) this.acc.set(key, (a = { station, year, sum: 0, days: 0, seen: new Uint8Array(366) }));
    if (a.seen[doy]) return 'duplicate';
    a.seen[doy] = 1;
    if (tmin === null || tmax === null) return 'missing';
    a.sum += djuOfDay(tmin, tmax);
    a.days++;
    return 'counted';
  }

  /** Every station-year seen, sorted by station then year. */
  results(minCoverage = DJU_MIN_COVERAGE): StationYearDju[] {
    const out: StationYearDju[] = [];
    for (const a of this.acc.values()) {
      const seasonDays = heatingSeasonDays(a.year);
      const complete = a.days >= Math.ceil(minCoverage * seasonDays);
      out.push({
        station: a.station,
        year: a.year,
        dju: complete ? round1((a.sum * seasonDays) / a.days) : null,
        days: a.days,
        seasonDays,
        complete,
      });
    }
    return out.sort((x, y) => (x.station < y.station ? -1 : x.station > y.station ? 1 : x.year - y.year));
  }
}

/** One day of one station, as read from a daily file. */
export interface DailyTemperature {
  /** YYYY-MM-DD */
  date: string;
  tmin: number | null;
  tmax: number | null;
}

/** The DJU of each calendar year of one station's daily temperatures. */
export function djuByYear(
  days: Iterable<DailyTemperature>,
  minCoverage = DJU_MIN_COVERAGE,
): StationYearDju[] {
  const acc = new DjuAccumulator();
  for (const d of days) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d.date);
    if (!m) throw new Error(`date: expected YYYY-MM-DD, got "${d.date}"`);
    acc.add('', Number(m[1]), Number(m[2]), Number(m[3]), d.tmin, d.tmax);
  }
  return acc.results(minCoverage);
}

/** The mean DJU of the complete station-years of each year, with how many stations made it. */
export function meanByYear(
  stationYears: readonly Pick<StationYearDju, 'year' | 'dju'>[],
): { year: number; dju: number; stations: number }[] {
  const byYear = new Map<number, number[]>();
  for (const s of stationYears) {
    if (s.dju === null) continue;
    const xs = byYear.get(s.year);
    if (xs) xs.push(s.dju);
    else byYear.set(s.year, [s.dju]);
  }
  return [...byYear]
    .sort(([a], [b]) => a - b)
    .map(([year, xs]) => ({ year, dju: round1(mean(xs)), stations: xs.length }));
}

/**
 * The reference (normal) DJU: the mean of the yearly values in `period` (inclusive), or of every
 * year given; null when no year falls in it.
 */
export function referenceDju(
  years: readonly { year: number; dju: number }[],
  period?: readonly [number, number],
): { dju: number; years: number[] } | null {
  const kept = years.filter((y) => !period || (y.year >= period[0] && y.year <= period[1]));
  if (!kept.length) return null;
  return { dju: round1(mean(kept.map((y) => y.dju))), years: kept.map((y) => y.year).sort((a, b) => a - b) };
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
