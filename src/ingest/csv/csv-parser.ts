/** One CSV record, or a line that could not be read as one. `line` is 1-based, in the file. */
export type CsvRecord =
  | { line: number; fields: string[]; raw: string; error?: undefined }
  | { line: number; fields?: undefined; error: string; raw: string };

const QUOTE = 34;
const LF = 10;
const CR = 13;
const MAX_RECORD_CHARS = 64 * 1024 * 1024;

/** Index just past the first line break (LF, CRLF or lone CR) at or after `from`; -1 if none. */
function afterFirstBreak(s: string, from: number): number {
  const lf = s.indexOf('\n', from);
  const cr = s.indexOf('\r', from);
  if (cr >= 0 && (lf < 0 || cr < lf)) return s.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
  return lf < 0 ? -1 : lf + 1;
}

/** `s` without the line break (LF, CRLF or lone CR) it may end with. */
function withoutEol(s: string): string {
  const n = s.length;
  const c = s.charCodeAt(n - 1);
  if (c === LF) return s.slice(0, n >= 2 && s.charCodeAt(n - 2) === CR ? n - 2 : n - 1);
  return c === CR ? s.slice(0, n - 1) : s;
}

/** Picks `,`, `;` or tab: the one most frequent outside quotes in the header line. */
export function detectSeparator(headerLine: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let inQuotes = false;
  for (const ch of headerLine) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [sep, n] of counts) if (n > counts.get(best)!) best = sep;
  return best;
}

/**
 * Streaming RFC 4180 parser: feed decoded text chunks, get whole records with their line number.
 * Quoted fields may hold separators, doubled quotes and newlines. A quote inside an unquoted field
 * is kept as text. When `expectedFields` is set and a record spanning several lines has the wrong
 * number of fields (typically a stray quote), the first line is reported as an error and parsing
 * restarts on the next line, so one bad quote never swallows the rows after it.
 *
 * A line break is LF, CRLF or a lone CR (old Mac files), counted the same inside quoted fields and
 * between records, so line numbers and the restart after a stray quote agree whatever the line ends.
 */
export class CsvParser {
  private buf = '';
  private line = 1;
  private readonly sep: number;
  expectedFields: number | undefined;

  constructor(separator = ',', expectedFields?: number, firstLine = 1) {
    if (separator.length !== 1) throw new Error(`separator must be one character, got "${separator}"`);
    this.sep = separator.charCodeAt(0);
    this.expectedFields = expectedFields;
    this.line = firstLine;
  }

  /**
   * Parses what `chunk` completes; keeps an unfinished last record for the next call. Returns the
   * text of the records it completed (so the same records can be parsed again elsewhere).
   */
  push(chunk: string, out: CsvRecord[]): string {
    this.buf = this.buf.length ? this.buf + chunk : chunk;
    const consumed = this.scan(out, false);
    let text = this.buf.slice(0, consumed);
    this.buf = this.buf.slice(consumed);
    if (this.buf.length > MAX_RECORD_CHARS)
      text += this.dropFirstLine(out, 'record longer than 64 MB (unterminated quote?)');
    return text;
  }

  private dropFirstLine(out: CsvRecord[], error: string): string {
    const brk = afterFirstBreak(this.buf, 0);
    const stop = brk < 0 ? this.buf.length : brk;
    out.push({ line: this.line, error, raw: withoutEol(this.buf.slice(0, Math.min(stop, 200))) });
    let text = this.buf.slice(0, stop);
    this.buf = this.buf.slice(stop);
    this.line += 1;
    const consumed = this.scan(out, false);
    text += this.buf.slice(0, consumed);
    this.buf = this.buf.slice(consumed);
    return text;
  }

  /** Parses the rest at end of file; returns its text. */
  end(out: CsvRecord[]): string {
    const text = this.buf;
    if (this.buf.length) this.scan(out, true);
    this.buf = '';
    return text;
  }

  /** Line number the next record starts on. */
  get nextLine(): number {
    return this.line;
  }

  private scan(out: CsvRecord[], eof: boolean): number {
    const s = this.buf;
    const n = s.length;
    const sep = this.sep;
    let pos = 0;
    // Next LF / CR after the field being read (2^32 - 1: none left in the buffer), found with
    // indexOf and kept while fields are read, so that counting the line breaks inside quoted
    // fields stays linear (and faster than a loop over every character of a quoted WKT).
    let nextLf = -1;
    let nextCr = -1;
    while (pos < n) {
      const startPos = pos;
      const startLine = this.line;
      const fields: string[] = [];
      let inner = 0; // line breaks inside quoted fields
      let ended = false; // the record ends with a line break
      let i = pos;
      let complete = false;
      let unterminated = false;
      for (;;) {
        // one field starting at i
        if (i < n && s.charCodeAt(i) === QUOTE) {
          let j = i + 1;
          let value = '';
          let closed = false;
          while (j < n) {
            const q = s.indexOf('"', j);
            if (q < 0) break;
            value += s.slice(j, q);
            if (q + 1 < n && s.charCodeAt(q + 1) === QUOTE) {
              value += '"';
              j = q + 2;
              continue;
            }
            if (q + 1 >= n && !eof) break; // cannot tell yet whether a quote follows
            j = q + 1;
            closed = true;
            break;
          }
          if (!closed) {
            if (!eof) break;
            unterminated = true;
            break;
          }
          if (nextLf <= i) nextLf = s.indexOf('\n', i + 1) >>> 0; // -1 → 2^32 - 1: none
          while (nextLf < j) {
            inner++;
            nextLf = s.indexOf('\n', nextLf + 1) >>> 0;
          }
          if (nextCr <= i) nextCr = s.indexOf('\r', i + 1) >>> 0;
          while (nextCr < j) {
            if (s.charCodeAt(nextCr + 1) !== LF) inner++; // a lone CR; CRLF counts once, at its LF
            nextCr = s.indexOf('\r', nextCr + 1) >>> 0;
          }
          // text after the closing quote up to the separator is kept verbatim
          let k = j;
          while (k < n) {
            const c = s.charCodeAt(k);
            if (c === sep || c === LF || c === CR) break;
            k++;
          }
          if (k > j) value += s.slice(j, k);
          fields.push(value);
          i = k;
        } else {
          let k = i;
          while (k < n) {
            const c = s.charCodeAt(k);
            if (c === sep || c === LF || c === CR) break;
            k++;
          }
          if (k >= n && !eof) break;
          fields.push(s.slice(i, k));
          i = k;
        }
        if (i >= n) {
          if (!eof) break;
          complete = true;
          break;
        }
        const c = s.charCodeAt(i);
        if (c === sep) {
          i++;
          if (i >= n && eof) {
            fields.push('');
            complete = true;
            break;
          }
          continue;
        }
        // end of record
        if (c === CR) {
          if (i + 1 >= n && !eof) break;
          i += i + 1 < n && s.charCodeAt(i + 1) === LF ? 2 : 1;
        } else i += 1;
        ended = true;
        complete = true;
        break;
      }
      if (!complete && !unterminated) return startPos; // wait for more text
      if (
        unterminated ||
        (inner > 0 && this.expectedFields !== undefined && fields.length !== this.expectedFields)
      ) {
        // report the first physical line, resume right after it
        const brk = afterFirstBreak(s, startPos);
        const stop = brk < 0 ? n : brk;
        const raw = withoutEol(s.slice(startPos, stop));
        out.push({
          line: startLine,
          error: unterminated
            ? 'unterminated quoted field'
            : 'unbalanced quote (record runs over several lines)',
          raw,
        });
        this.line = startLine + (brk < 0 ? 0 : 1);
        pos = stop;
        nextLf = nextCr = -1; // the caches may be past line breaks of the lines read again
        continue;
      }
      this.line = startLine + inner + (ended ? 1 : 0);
      pos = i;
      // a blank line is no record
      if (fields.length === 1 && fields[0] === '' && s.charCodeAt(startPos) !== QUOTE) continue;
      out.push({ line: startLine, fields, raw: withoutEol(s.slice(startPos, i)) });
    }
    return pos;
  }
}
