import type { CsvRecord } from '../ingest/csv/csv-parser.js';
import type { AddressParts, ColumnChoice } from './bulk-columns.js';
import { inFrance, parseDecimal } from './france-coordinates.js';

/**
 * One data row of a bulk file, in file order: its 1-based line, its fields, and either what to
 * look up (`address`, or `lon`/`lat`) or why it cannot be (`error`, a short French sentence).
 */
export interface BulkRow {
  line: number;
  fields: string[];
  address?: string;
  lon?: number;
  lat?: number;
  error?: string;
}

/** The parser's messages for a line it could not cut into fields, in French. */
const CSV_ERRORS: Record<string, string> = {
  'unterminated quoted field': 'guillemet ouvert jamais fermé',
  'unbalanced quote (record runs over several lines)':
    'guillemet mal placé (la ligne déborde sur les suivantes)',
};

/** A parsed record → a bulk row, reading the chosen columns. */
export function toBulkRow(record: CsvRecord, choice: ColumnChoice): BulkRow {
  if (record.fields === undefined) {
    const why = CSV_ERRORS[record.error] ?? record.error;
    const raw = record.raw.length > 80 ? `${record.raw.slice(0, 80)}…` : record.raw;
    return { line: record.line, fields: [], error: `ligne illisible, ${why} : ${JSON.stringify(raw)}` };
  }
  const row: BulkRow = { line: record.line, fields: record.fields };
  if (choice.mode === 'address') {
    const address = joinAddress(record.fields, choice.parts);
    if (address) row.address = address;
    else row.error = 'adresse vide';
    return row;
  }
  const lon = coordinate(record.fields[choice.lon], 'longitude');
  const lat = coordinate(record.fields[choice.lat], 'latitude');
  if (typeof lon === 'string' || typeof lat === 'string') {
    row.error = [lon, lat].filter((e) => typeof e === 'string').join(', ');
  } else if (!inFrance(lon, lat)) {
    row.error = `coordonnées hors de France : ${lon}, ${lat}${inFrance(lat, lon) ? ' (longitude et latitude inversées ?)' : ''}`;
  } else {
    row.lon = lon;
    row.lat = lat;
  }
  return row;
}

/** The number, or what is wrong with it. */
function coordinate(text: string | undefined, what: string): number | string {
  const t = (text ?? '').trim();
  if (!t) return `${what} vide`;
  return parseDecimal(t) ?? `${what} invalide : ${JSON.stringify(t)}`;
}

/** Lower case, no accents, words separated by single spaces, with a space at each end. */
function fold(s: string): string {
  let t = s.toLowerCase();
  if (/[^\x20-\x7e]/.test(t)) t = t.normalize('NFD').replace(/\p{M}/gu, '');
  return ` ${t.replace(/[^a-z0-9]+/g, ' ').trim()} `;
}

/**
 * "12" "bis" "rue de la Paix" "75002" "Paris" → "12 bis rue de la Paix, 75002 Paris"; a part the
 * main text already holds is not repeated. Empty when the main text is.
 */
export function joinAddress(fields: string[], parts: AddressParts): string {
  const get = (i: number | undefined) => (i === undefined ? '' : tidy(fields[i] ?? ''));
  const main =
    parts.main.length === 1
      ? get(parts.main[0])
      : parts.main
          .map(get)
          .filter((s) => s)
          .join(', ');
  if (!main) return '';
  let head = get(parts.number);
  // "12" before "12 rue …" or "12bis rue …" is there already
  if (head && main.toLowerCase().startsWith(head.toLowerCase()) && !/\d/.test(main.charAt(head.length)))
    head = '';
  const rep = get(parts.repetition);
  if (head && rep) head += ` ${rep}`;
  const postcode = get(parts.postcode);
  const city = get(parts.city);
  const tail =
    postcode || city
      ? [
          postcode && !main.includes(postcode) ? postcode : '',
          city && !fold(main).includes(fold(city)) ? city : '',
        ]
          .filter((s) => s)
          .join(' ')
      : '';
  // one address column, the common case: the field itself, tidied
  if (!head && !tail) return main;
  return `${head ? `${head} ` : ''}${main}${tail ? `, ${tail}` : ''}`;
}

/** Whitespace to tidy: at an end, doubled, or other than a plain space. */
const UNTIDY = /^\s|\s$|\s\s|[^\S ]/;

/**
 * A field trimmed, each run of whitespace made one space. Most fields are tidy already and are
 * returned as they are: this runs for every row of a bulk file (the trim and replace of every
 * field made 90 MB of strings per 100,000 rows).
 */
export function tidy(s: string): string {
  return UNTIDY.test(s) ? s.trim().replace(/\s+/g, ' ') : s;
}
