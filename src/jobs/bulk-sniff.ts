import { CsvParser, type CsvRecord } from '../ingest/csv/csv-parser.js';
import { columnRole } from './column-role.js';

/** Separators a bulk file may use. */
export const BULK_SEPARATORS = [';', ',', '\t', '|'] as const;
export type BulkSeparator = (typeof BULK_SEPARATORS)[number];

/** Used to read a one-column file: a character no text file holds, so lines are never cut. */
export const NO_SEPARATOR = '\u0000';

/** On a tie, the separator less likely to appear inside values wins. */
const TIE_ORDER: readonly BulkSeparator[] = ['\t', ';', '|', ','];
const SAMPLE_RECORDS = 50;

/** The first records of `text` (a start of the file; `eof` when it is the whole file). */
export function sampleRecords(text: string, separator: string, eof: boolean): CsvRecord[] {
  const parser = new CsvParser(separator);
  const out: CsvRecord[] = [];
  parser.push(text, out);
  if (eof) parser.end(out);
  return out.slice(0, SAMPLE_RECORDS);
}

/**
 * The separator giving the most consistent column count over the first records (quotes
 * respected): it must cut the first line, then the share of records having the most frequent
 * count decides. Null when none cuts the first line: a one-column file.
 */
export function sniffSeparator(text: string, eof: boolean): BulkSeparator | null {
  let best: BulkSeparator | null = null;
  let bestScore = 0;
  for (const sep of TIE_ORDER) {
    const counts = sampleRecords(text, sep, eof).flatMap((r) => (r.fields ? [r.fields.length] : []));
    if (!counts.length || counts[0]! < 2) continue;
    const freq = new Map<number, number>();
    for (const n of counts) freq.set(n, (freq.get(n) ?? 0) + 1);
    let mode = 0;
    let modeFreq = 0;
    for (const [n, f] of freq) if (f > modeFreq || (f === modeFreq && n > mode)) [mode, modeFreq] = [n, f];
    const score = mode > 1 ? modeFreq / counts.length : 0;
    if (score > bestScore) [best, bestScore] = [sep, score];
  }
  return best;
}

const NUMERIC = /^[+-]?\d+(?:[.,]\d+)?$/;
const isNumeric = (s: string) => NUMERIC.test(s.trim());

/**
 * Whether the first record is a header. Not when a cell is a number; yes when it names a known
 * column (adresse, lon…) or differs in kind from the records after it (text above a column of
 * numbers). One column without a known name is data (an address list); otherwise a first line
 * with digits is data, one without is names.
 */
export function looksLikeHeader(first: string[], rest: string[][]): boolean {
  if (first.some(isNumeric)) return false;
  if (first.some((name) => columnRole(name) !== null)) return true;
  if (first.length < 2) return false;
  for (let c = 0; c < first.length; c++) {
    if (!first[c]!.trim()) continue;
    const values = rest.map((r) => r[c] ?? '').filter((v) => v.trim());
    if (values.length && values.filter(isNumeric).length >= values.length * 0.8) return true;
  }
  return !first.some((cell) => /\d/.test(cell));
}
