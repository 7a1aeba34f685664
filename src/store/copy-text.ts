/**
 * Bulk reads through COPY (Store.copyOut): parameters written as SQL literals (COPY takes no
 * bind parameters) and the text format read back into rows of strings. On PGlite this reads
 * rows ~5× faster than a query (no per-row protocol decoding).
 */

export type Literal = string | number | boolean | null;

/** A value as a SQL literal: quotes doubled, NUL refused (standard_conforming_strings is on). */
export function sqlLiteral(v: Literal): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (v.includes('\0')) throw new Error('a text parameter holds a NUL character');
  return `'${v.replace(/'/g, "''")}'`;
}

/** `$1`, `$2`… replaced by the literals of `params` (highest numbers first, so `$1` never eats `$10`). */
export function bindLiterals(sql: string, params: readonly Literal[]): string {
  let out = sql;
  for (let i = params.length; i >= 1; i--) out = out.split(`$${i}`).join(sqlLiteral(params[i - 1]!));
  return out;
}

const UNESCAPE: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '\\': '\\' };

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => UNESCAPE[c] ?? c);
}

/** COPY text format → rows of fields, `\N` as null. */
export function parseCopyText(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    rows.push(line.split('\t').map((f) => (f === '\\N' ? null : f.includes('\\') ? unescape(f) : f)));
  }
  return rows;
}
