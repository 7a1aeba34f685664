import { isUtf8 } from 'node:buffer';
import { readFile, stat } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import { CsvParser, type CsvRecord } from '../ingest/csv/csv-parser.js';
import { guessEncoding } from '../ingest/csv/csv-file.js';
import { BulkInputError } from './bulk-input-error.js';
import {
  chooseColumns,
  findColumn,
  usedColumns,
  type ColumnChoice,
  type ColumnOptions,
} from './bulk-columns.js';
import { toBulkRow, type BulkRow } from './bulk-row.js';
import {
  looksLikeHeader,
  NO_SEPARATOR,
  sampleRecords,
  sniffSeparator,
  type BulkSeparator,
} from './bulk-sniff.js';

export { BulkInputError, type BulkInputErrorCode } from './bulk-input-error.js';
export type { BulkRow } from './bulk-row.js';
export { BULK_SEPARATORS, type BulkSeparator } from './bulk-sniff.js';

/** Largest file a bulk test accepts: 50 MB. */
export const BULK_INPUT_MAX_BYTES = 50 * 1024 * 1024;

const SAMPLE_BYTES = 256 * 1024;
const CHUNK_BYTES = 1 << 20;

/** Choices that override detection; columns by name (accent/case-insensitive) or 0-based index. */
export interface BulkInputOptions extends ColumnOptions {
  separator?: BulkSeparator;
  hasHeader?: boolean;
}

/** How an uploaded bulk file is read, and its rows. */
export interface BulkInput {
  /** null for a one-column file (lines are not cut) */
  separator: BulkSeparator | null;
  hasHeader: boolean;
  encoding: 'utf-8' | 'windows-1252';
  mode: 'address' | 'lonlat';
  /** names of the columns read, in the order used (address parts joined, or lon then lat) */
  columns: string[];
  /** their 0-based indexes */
  columnIndexes: number[];
  /** the header, or "colonne 1", "colonne 2"… when the file has none */
  header: string[];
  /**
   * Every data row in file order (blank lines are no rows), decoded lazily from the buffer; can
   * be iterated more than once.
   */
  rows: Iterable<BulkRow>;
  /** How many rows `rows` gives: the same records, counted without being read into rows (4× faster). */
  countRows(): number;
}

/**
 * Options from what a user typed (CLI flags, query parameters): a column by name, or by its
 * 1-based number (the parser counts from 0).
 */
export function bulkOptions(given: { address?: string; lon?: string; lat?: string }): BulkInputOptions {
  const ref = (v: string) => (/^\d+$/.test(v) ? Number(v) - 1 : v);
  const options: BulkInputOptions = {};
  if (given.address) options.addressColumn = ref(given.address);
  if (given.lon) options.lonColumn = ref(given.lon);
  if (given.lat) options.latColumn = ref(given.lat);
  return options;
}

/** Reads a bulk file from disk: refused before reading when over 50 MB. See `parseBulkInput`. */
export async function parseBulkInputFile(path: string, options: BulkInputOptions = {}): Promise<BulkInput> {
  checkSize((await stat(path)).size);
  return parseBulkInput(await readFile(path), options);
}

/**
 * Reads the uploaded file of a bulk test: CSV or TSV; UTF-8 with or without BOM, or Windows-1252
 * when there is no BOM, the bytes are not UTF-8 and hold not one valid multi-byte character
 * (`guessEncoding`); separator among `; , tab |` and header detected; then the address
 * column(s) or the lon/lat columns found (or given in `options`). Throws `BulkInputError` when the file is too large,
 * empty, or has nothing to look up; a bad row is not thrown but carries its `error`.
 */
export function parseBulkInput(bytes: Buffer, options: BulkInputOptions = {}): BulkInput {
  checkSize(bytes.length);
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const encoding = bom || isUtf8(bytes) ? 'utf-8' : guessEncoding(bytes);
  const eof = bytes.length <= SAMPLE_BYTES;
  const text = new TextDecoder(encoding).decode(bytes.subarray(0, SAMPLE_BYTES), { stream: !eof });
  const separator = options.separator ?? sniffSeparator(text, eof);
  const parseSep = separator ?? NO_SEPARATOR;
  const records = sampleRecords(text, parseSep, eof);
  const sample = records.flatMap((r) => (r.fields ? [r.fields] : []));
  const first = sample[0];
  if (!first || (eof && sample.every((r) => r.every((f) => !f.trim()))))
    throw new BulkInputError(
      'empty_file',
      'fichier vide : attendu une adresse par ligne, ou un tableau avec une colonne d’adresse ou des colonnes lon/lat',
    );
  const hasHeader = options.hasHeader ?? detectHeader(first, sample.slice(1), options);
  const headerLine = hasHeader ? records.find((r) => r.fields)!.line : 0;
  const data = hasHeader ? sample.slice(1) : sample;
  if (!data.length && eof)
    throw new BulkInputError(
      'empty_file',
      `fichier sans données : attendu des lignes après l’en-tête ${JSON.stringify(first.join(separator ?? ''))}`,
    );
  const width = Math.max(...sample.map((r) => r.length));
  const header = hasHeader ? first : Array.from({ length: width }, (_v, i) => `colonne ${i + 1}`);
  const choice = chooseColumns(hasHeader ? header : null, data, width, options);
  const columnIndexes = usedColumns(choice);
  const fieldCount = mostFrequent(data.map((r) => r.length)) ?? header.length;
  return {
    separator,
    hasHeader,
    encoding,
    mode: choice.mode,
    columns: columnIndexes.map((i) => header[i] ?? `colonne ${i + 1}`),
    columnIndexes,
    header,
    rows: { [Symbol.iterator]: () => readRows(bytes, encoding, parseSep, headerLine, fieldCount, choice) },
    countRows: () => {
      let n = 0;
      for (const batch of readRecords(bytes, encoding, parseSep, fieldCount))
        for (const record of batch) if (record.line !== headerLine) n++;
      return n;
    },
  };
}

function checkSize(size: number): void {
  if (size > BULK_INPUT_MAX_BYTES)
    throw new BulkInputError(
      'file_too_large',
      `fichier trop volumineux : ${(Math.ceil(size / 104857.6) / 10).toFixed(1)} Mo, au plus ${BULK_INPUT_MAX_BYTES / 1048576} Mo`,
    );
  if (size === 0) throw new BulkInputError('empty_file', 'fichier vide (0 octet)');
}

/** Auto-detected header, unless a column named in the options is on the first line. */
function detectHeader(first: string[], rest: string[][], o: BulkInputOptions): boolean {
  const named = [o.addressColumn, o.lonColumn, o.latColumn].filter((c) => typeof c === 'string');
  if (named.length && named.every((c) => findColumn(c, first, first.length) >= 0)) return true;
  return looksLikeHeader(first, rest);
}

function mostFrequent(values: number[]): number | undefined {
  const freq = new Map<number, number>();
  for (const v of values) freq.set(v, (freq.get(v) ?? 0) + 1);
  let best: number | undefined;
  for (const [v, f] of freq) if (best === undefined || f > freq.get(best)!) best = v;
  return best;
}

/**
 * The rows, decoded and parsed 1 MB at a time; the header (on `headerLine`, 0 for none) skipped.
 * `fieldCount` lets the parser tell a quoted newline from a stray quote.
 */
function* readRows(
  bytes: Buffer,
  encoding: string,
  separator: string,
  headerLine: number,
  fieldCount: number,
  choice: ColumnChoice,
): Generator<BulkRow> {
  for (const batch of readRecords(bytes, encoding, separator, fieldCount))
    for (const record of batch) if (record.line !== headerLine) yield toBulkRow(record, choice);
}

/** The file's records (header included), a batch per 1 MB decoded; a batch is reused after its turn. */
function* readRecords(
  bytes: Buffer,
  encoding: string,
  separator: string,
  fieldCount: number,
): Generator<CsvRecord[]> {
  const decoder = new TextDecoder(encoding);
  const parser = new CsvParser(separator, fieldCount);
  const out: CsvRecord[] = [];
  for (let at = 0; at <= bytes.length; at += CHUNK_BYTES) {
    const last = at + CHUNK_BYTES >= bytes.length;
    parser.push(decoder.decode(bytes.subarray(at, at + CHUNK_BYTES), { stream: !last }), out);
    if (last) parser.end(out);
    yield out;
    out.length = 0;
    if (last) break;
  }
}
