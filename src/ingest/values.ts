/**
 * Text from a CSV field to a typed value, as the BDNB/BAN exports write them. Each parser returns
 * the value or throws a ValueError saying what was expected and what was found.
 */
export class ValueError extends Error {}

function shown(raw: string): string {
  return raw.length > 40 ? `"${raw.slice(0, 40)}…"` : `"${raw}"`;
}

const NUMBER_RE = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/;

/** A finite double (`1e999` is refused, not read as Infinity); `,` is read as the decimal point. */
export function parseNumber(raw: string): number {
  const s = raw.trim();
  if (!NUMBER_RE.test(s)) throw new ValueError(`expected a number, got ${shown(raw)}`);
  const v = Number(s.replace(',', '.'));
  if (!Number.isFinite(v)) throw new ValueError(`number out of range (beyond ±1.8e308): ${shown(raw)}`);
  return v;
}

/**
 * What each PostgreSQL integer type holds. `bigint` (int8) is capped at ±(2^53 − 1), the integers a
 * JavaScript number holds exactly: a larger value is refused rather than stored rounded.
 */
export const INTEGER_RANGES = {
  smallint: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  bigint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
} as const satisfies Record<string, readonly [number, number]>;

export type IntegerType = keyof typeof INTEGER_RANGES;

/**
 * Integers of the PostgreSQL type `type` (default bigint); float noise such as
 * `33.000000000000001` is rounded, a real fraction or a value out of the type's range is an error.
 */
export function parseInteger(raw: string, type: IntegerType = 'bigint'): number {
  const v = parseNumber(raw);
  const r = Math.round(v);
  if (Math.abs(v - r) > 1e-6) throw new ValueError(`expected an integer, got ${shown(raw)}`);
  const [min, max] = INTEGER_RANGES[type];
  if (r < min || r > max) throw new ValueError(`out of range for ${type} (${min} to ${max}): ${shown(raw)}`);
  return r === 0 ? 0 : r; // no "-0" in the COPY text
}

const TRUE = new Set(['1', 't', 'true', 'vrai', 'oui', 'y', 'yes']);
const FALSE = new Set(['0', 'f', 'false', 'faux', 'non', 'n', 'no']);

export function parseBoolean(raw: string): boolean {
  const s = raw.trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new ValueError(`expected a boolean (0/1, t/f, true/false), got ${shown(raw)}`);
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [
    31,
    y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  return d <= days[m - 1]!;
}

/**
 * `YYYY-MM-DD` (time part ignored), `YYYY/MM/DD` or `DD/MM/YYYY` to `YYYY-MM-DD`. Years 1 to 9999
 * (PostgreSQL has no year 0: `0000-01-01` would fail the COPY).
 */
export function parseDate(raw: string): string {
  const s = raw.trim();
  let m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(s);
  let y: number, mo: number, d: number;
  if (m) {
    y = Number(m[1]);
    mo = Number(m[2]);
    d = Number(m[3]);
  } else {
    m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
    if (!m) throw new ValueError(`expected a date (YYYY-MM-DD), got ${shown(raw)}`);
    d = Number(m[1]);
    mo = Number(m[2]);
    y = Number(m[3]);
  }
  if (y === 0) throw new ValueError(`no such date (there is no year 0): ${shown(raw)}`);
  if (!validDate(y, mo, d)) throw new ValueError(`no such date: ${shown(raw)}`);
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Reads a PostgreSQL array literal `{a,"b c",NULL}` (one level) into a JSON array. */
export function parsePgArray(raw: string): (string | null)[] {
  const s = raw.trim();
  if (!s.startsWith('{') || !s.endsWith('}'))
    throw new ValueError(`expected an array {…}, got ${shown(raw)}`);
  const body = s.slice(1, -1);
  const out: (string | null)[] = [];
  if (body.trim() === '') return out;
  let i = 0;
  while (i <= body.length) {
    while (body[i] === ' ') i++;
    if (body[i] === '"') {
      let v = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        v += body[i] ?? '';
        i++;
      }
      if (body[i] !== '"') throw new ValueError(`unterminated quote in array ${shown(raw)}`);
      i++;
      while (body[i] === ' ') i++;
      out.push(v);
    } else {
      let j = body.indexOf(',', i);
      if (j < 0) j = body.length;
      const v = body.slice(i, j).trim();
      if (v.startsWith('{')) throw new ValueError(`nested arrays are not supported: ${shown(raw)}`);
      out.push(v.toUpperCase() === 'NULL' ? null : v);
      i = j;
    }
    if (i >= body.length) break;
    if (body[i] !== ',') throw new ValueError(`expected "," in array ${shown(raw)}`);
    i++;
  }
  return out;
}

/** A lone UTF-16 surrogate: JSON can escape one (`"\ud800"`), PostgreSQL jsonb refuses it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first string (value or key) of a parsed JSON value that jsonb cannot store, if any. */
function unstorableJson(v: unknown): string | undefined {
  // a NUL too (`"\u0000"`): jsonb refuses it as well
  if (typeof v === 'string') return v.includes('\u0000') || LONE_SURROGATE.test(v) ? v : undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  if (Array.isArray(v)) {
    for (const x of v) {
      const bad = unstorableJson(x);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    const bad = unstorableJson(k) ?? unstorableJson(x);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/**
 * Lists as the exports write them: JSON (`[ "1850", "1900" ]`), Postgres arrays, or one bare value.
 * JSON holding `\u0000` or a lone surrogate escape is an error (jsonb cannot store them).
 */
export function parseJsonList(raw: string): unknown {
  const s = raw.trim();
  if (s.startsWith('[') || (s.startsWith('{') && s.includes(':'))) {
    let v: unknown;
    try {
      v = JSON.parse(s) as unknown;
    } catch {
      if (s.startsWith('[')) throw new ValueError(`expected a JSON list, got ${shown(raw)}`);
    }
    if (v !== undefined) {
      if (unstorableJson(v) !== undefined)
        throw new ValueError(
          `JSON holding a NUL (\\u0000) or a lone surrogate escape, which PostgreSQL jsonb cannot store: ${shown(raw)}`,
        );
      return v;
    }
  }
  if (s.startsWith('{')) return parsePgArray(s);
  return [s];
}

/** Values of columns the schema does not know: lists and flags recognised, everything else text. */
export function inferExtraValue(raw: string): unknown {
  const s = raw.trim();
  if (s === '') return null;
  if (s.startsWith('{') || s.startsWith('[')) {
    try {
      return parseJsonList(s);
    } catch {
      return raw;
    }
  }
  const low = s.toLowerCase();
  if (low === 't' || low === 'true') return true;
  if (low === 'f' || low === 'false') return false;
  return raw;
}

/** Escapes a value for PostgreSQL COPY text format. */
export function copyText(s: string): string {
  if (!/[\\\t\n\r]/.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Any value as a COPY text field: null → `\\N`, booleans t/f, objects as JSON. */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return copyText(v);
  return copyText(JSON.stringify(v));
}

/** GDAL `.csvt` column types (the file beside an export's CSV): `Integer`, `Real`, `String`, `Date`, `WKT`, `Integer(Boolean)`… */
export type CsvtType = 'integer' | 'real' | 'boolean' | 'date' | 'string' | 'other';

/** Reads a `.csvt` line (`"WKT","String","Integer(Boolean)"`) into one type per column. */
export function parseCsvt(text: string): CsvtType[] {
  const line = text.split(/\r?\n/)[0] ?? '';
  return line.split(',').map((raw) => {
    const t = raw.trim().replace(/^"|"$/g, '').toLowerCase();
    if (t.startsWith('integer(boolean)')) return 'boolean';
    if (t.startsWith('integer')) return 'integer';
    if (t.startsWith('real')) return 'real';
    if (t.startsWith('date')) return 'date';
    if (t.startsWith('string')) return 'string';
    return 'other';
  });
}

/**
 * A value of a column the schema does not know, typed by the `.csvt` when there is one (a value
 * that does not fit its declared type is kept as text); without one, lists and t/f flags are
 * recognised and everything else stays text.
 */
export function extraValue(raw: string, type: CsvtType | undefined): unknown {
  if (raw.trim() === '') return null;
  try {
    switch (type) {
      case 'string':
        return raw;
      case 'integer':
      case 'real':
        return parseNumber(raw);
      case 'boolean':
        return parseBoolean(raw);
      case 'date':
        return parseDate(raw);
    }
  } catch {
    return raw;
  }
  return inferExtraValue(raw);
}
