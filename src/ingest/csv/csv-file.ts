import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import { CsvParser, detectSeparator, type CsvRecord } from './csv-parser.js';
import { parseCsvt, type CsvtType } from '../values.js';

const CHUNK = 1 << 20;

/** Records parsed from one chunk, with their text: complete records starting on `firstLine`. */
export interface CsvBatch {
  records: CsvRecord[];
  text: string;
  firstLine: number;
}

/**
 * A CSV file read as a stream of record batches (memory stays flat whatever its size). The header
 * is read on open; the encoding is UTF-8 unless the first megabyte is not valid UTF-8, then
 * Windows-1252 (said in `encoding`).
 */
export class CsvFile {
  header: string[] = [];
  separator = ',';
  encoding: 'utf-8' | 'windows-1252' = 'utf-8';
  size = 0;
  bytesRead = 0;
  /** The header's own problem, if any (then no record follows). */
  headerError: string | null = null;
  private parser!: CsvParser;
  private decoder!: TextDecoder;
  private iter!: AsyncIterator<Buffer>;
  private pending: CsvBatch | null = null;
  private done = false;

  private constructor(readonly path: string) {}

  static async open(path: string, separator?: string): Promise<CsvFile> {
    const f = new CsvFile(path);
    f.size = (await stat(path)).size;
    f.iter = createReadStream(path, { highWaterMark: CHUNK })[Symbol.asyncIterator]();
    const first = await f.iter.next();
    const bytes: Buffer = first.done ? Buffer.alloc(0) : first.value;
    f.bytesRead = bytes.length;
    f.encoding = guessEncoding(bytes);
    f.decoder = new TextDecoder(f.encoding, { ignoreBOM: false });
    const text = f.decoder.decode(bytes, { stream: !first.done });
    // the header line: the first one that is not blank, up to LF, CRLF or a lone CR
    const headerLine = /^[\r\n]*([^\r\n]*)/.exec(text)![1]!;
    f.separator = separator ?? detectSeparator(headerLine);
    f.parser = new CsvParser(f.separator);
    const records: CsvRecord[] = [];
    let consumed = f.parser.push(text, records);
    if (first.done) {
      consumed += f.parser.end(records);
      f.done = true;
    }
    const head = records.shift();
    if (!head) f.headerError = 'the file is empty (no header line)';
    else if (head.error !== undefined) f.headerError = `header line: ${head.error}`;
    else {
      f.header = head.fields;
      // the header's raw text leaves out blank lines before it and the line break after it
      const end = consumed.indexOf(head.raw) + head.raw.length;
      const rest = consumed.slice(end).replace(/^(\r\n?|\n)/, '');
      f.pending = { records, text: rest, firstLine: head.line + head.raw.split(/\r\n|\r|\n/).length };
    }
    f.parser.expectedFields = f.header.length || undefined;
    return f;
  }

  /** Record batches, in file order, until the end of the file. */
  async *batches(): AsyncGenerator<CsvBatch> {
    if (this.headerError) return;
    if (this.pending && (this.pending.records.length || this.pending.text)) yield this.pending;
    this.pending = null;
    while (!this.done) {
      const next = await this.iter.next();
      const records: CsvRecord[] = [];
      const firstLine = this.parser.nextLine;
      let text: string;
      if (next.done) {
        text = this.parser.push(this.decoder.decode(), records);
        text += this.parser.end(records);
        this.done = true;
      } else {
        this.bytesRead += next.value.length;
        text = this.parser.push(this.decoder.decode(next.value, { stream: true }), records);
      }
      if (records.length) yield { records, text, firstLine };
    }
  }

  /** The raw text of the given record lines (a second read, for the rare rows that need it). */
  static async rawLines(path: string, lines: Set<number>): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    const f = await CsvFile.open(path, undefined);
    for await (const b of f.batches()) {
      for (const r of b.records) if (lines.has(r.line)) out.set(r.line, r.raw);
      if (out.size === lines.size) break;
    }
    await f.close();
    return out;
  }

  /** The GDAL `.csvt` beside the file, if there is one and it has one type per column. */
  async csvt(): Promise<CsvtType[] | undefined> {
    const path = this.path.replace(/\.(csv|tsv|txt)$/i, '.csvt');
    if (path === this.path) return undefined;
    try {
      const types = parseCsvt(await readFile(path, 'utf8'));
      return types.length === this.header.length ? types : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stops reading (the file handle is released). */
  async close(): Promise<void> {
    if (!this.done) await this.iter.return?.();
    this.done = true;
  }
}

/**
 * UTF-8 unless the bytes hold invalid sequences and not one valid multi-byte character: then the
 * file is Windows-1252 (Latin-1 exports). A UTF-8 file with a few bad bytes stays UTF-8, and
 * the rows holding them are rejected.
 */
export function guessEncoding(bytes: Uint8Array): 'utf-8' | 'windows-1252' {
  const text = new TextDecoder('utf-8').decode(bytes);
  let bad = 0;
  let good = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd) bad++;
    else if (c > 127 && c !== 0xfeff) good++;
  }
  return bad > 0 && good === 0 ? 'windows-1252' : 'utf-8';
}
