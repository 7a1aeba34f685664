import type { ZipEntryWriter } from './zip-writer.js';
import { BOLD_STYLE, columnLetters, escapeCellText, worksheetEndXml, worksheetStartXml } from './xlsx-xml.js';

/** A cell value: text, number, boolean; `null`, `undefined` and `''` leave the cell empty. */
export type XlsxCell = string | number | boolean | null | undefined;

/** A column: its header text (first row, bold) and optional width in characters. */
export interface XlsxColumn {
  header: string;
  width?: number;
}

/** Excel's limits: rows per sheet, columns per sheet, characters per cell. */
export const XLSX_MAX_ROWS = 1_048_576;
export const XLSX_MAX_COLUMNS = 16_384;
export const XLSX_MAX_CELL_CHARS = 32_767;

const CHUNK_BYTES = 256 * 1024;
const READY = Promise.resolve();

/**
 * One worksheet being written by `XlsxWriter.sheet`: rows go out as XML in 256 KB chunks through
 * the zip entry's deflate stream, so memory does not grow with the row count. Await `addRow` to
 * follow the disk's pace (the promise is already resolved most of the time).
 *
 * Each row's XML is encoded into the chunk's bytes as soon as it is made: a chunk gathered as one
 * string of many small pieces costs more to flatten and encode than the rows cost to write (a
 * 64 MB sheet: ~0.6 s that way, ~0.2 s row by row, measured on its own).
 */
export class XlsxSheet {
  private rows = 0;
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private finished = false;
  private readonly refs: string[];

  /** @internal created by `XlsxWriter.sheet` */
  constructor(
    readonly name: string,
    private readonly entry: ZipEntryWriter,
    readonly columns: readonly XlsxColumn[],
  ) {
    this.refs = columns.map((_c, i) => columnLetters(i));
  }

  /** Rows written so far, header included. */
  get rowCount(): number {
    return this.rows;
  }

  /** The autofilter range over the header and the data rows, `null` without columns. */
  get filterRef(): string | null {
    const last = this.refs[this.refs.length - 1];
    return last ? `A1:${last}${Math.max(this.rows, 1)}` : null;
  }

  /** @internal writes the sheet's start and header row */
  start(selected: boolean): Promise<void> {
    const head = this.append(
      worksheetStartXml(
        this.columns.map((c) => c.width),
        selected,
      ),
    );
    const header = this.push(
      this.columns.map((c) => c.header),
      BOLD_STYLE,
    );
    return Promise.all([head, header]).then(() => undefined);
  }

  /** Appends a row; at most one value per column. The values are read before it returns (the array may be reused). */
  addRow(values: readonly XlsxCell[]): Promise<void> {
    if (this.finished) throw new Error(`sheet "${this.name}" is finished: rows go to the current sheet`);
    if (values.length > this.refs.length)
      throw new RangeError(
        `sheet "${this.name}": row ${this.rows + 1} has ${values.length} values, the sheet has ${this.refs.length} columns`,
      );
    if (this.rows >= XLSX_MAX_ROWS)
      throw new RangeError(`sheet "${this.name}": Excel holds at most ${XLSX_MAX_ROWS} rows per sheet`);
    return this.push(values, 0);
  }

  /** @internal writes the rest of the sheet and ends its zip entry */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.append(worksheetEndXml(this.filterRef));
    await this.handOver();
    await this.entry.end();
  }

  /**
   * A row's XML. A cell carries its reference (`r="F12"`) only after an empty one: without it, a
   * cell is the one after the previous (ECMA-376 Part 1 §18.3.1.4), which saves a third of a
   * results sheet's XML and of the time to write and deflate it.
   */
  private push(values: readonly XlsxCell[], style: number): Promise<void> {
    const r = ++this.rows;
    const s = style ? ` s="${style}"` : '';
    let xml = `<row r="${r}">`;
    let next = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined || v === '') continue;
      xml += cellXml(i === next ? '' : ` r="${this.refs[i]}${r}"`, v, s);
      next = i + 1;
    }
    return this.append(`${xml}</row>`);
  }

  /** Encodes `xml` into the chunk, after handing the chunk over when it might not fit. */
  private append(xml: string): Promise<void> {
    const most = xml.length * 3; // UTF-8 bytes of a UTF-16 code unit, at most
    let wait = READY;
    if (this.used + most > this.chunk.length) wait = this.handOver();
    if (most > this.chunk.length) {
      // a row bigger than a chunk goes on its own, after the chunk before it
      const written = this.entry.write(xml);
      return wait === READY ? written : Promise.all([wait, written]).then(() => undefined);
    }
    this.used += this.chunk.write(xml, this.used);
    return wait;
  }

  /** Sends the chunk's bytes to the zip entry and starts a new chunk (the entry keeps the old one until deflated). */
  private handOver(): Promise<void> {
    if (!this.used) return READY;
    const full = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    return this.entry.write(full);
  }
}

/** A non-empty cell; `ref` is its reference attribute, or '' (see push). */
function cellXml(ref: string, v: string | number | boolean, s: string): string {
  if (typeof v === 'boolean') return `<c${ref}${s} t="b"><v>${v ? 1 : 0}</v></c>`;
  if (typeof v === 'number' && Number.isFinite(v)) return `<c${ref}${s}><v>${v}</v></c>`;
  let text = String(v);
  if (text.length > XLSX_MAX_CELL_CHARS) {
    // cut, without splitting a surrogate pair
    const end = /[\uD800-\uDBFF]/.test(text.charAt(XLSX_MAX_CELL_CHARS - 1))
      ? XLSX_MAX_CELL_CHARS - 1
      : XLSX_MAX_CELL_CHARS;
    text = text.slice(0, end);
  }
  const space = /^\s|\s$|\n/.test(text) ? ' xml:space="preserve"' : '';
  return `<c${ref}${s} t="inlineStr"><is><t${space}>${escapeCellText(text)}</t></is></c>`;
}
