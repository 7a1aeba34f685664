import { ZipWriter } from './zip-writer.js';
import { XLSX_MAX_COLUMNS, XlsxSheet, type XlsxColumn } from './xlsx-sheet.js';
import { contentTypesXml, rootRelsXml, stylesXml, workbookRelsXml, workbookXml } from './xlsx-xml.js';

export { XlsxSheet, type XlsxCell, type XlsxColumn } from './xlsx-sheet.js';

/** Options of a sheet: its columns, in order. */
export interface XlsxSheetOptions {
  columns: XlsxColumn[];
}

const FORBIDDEN_IN_NAME = /[[\]:*?/\\]/;

/** A sheet name Excel refuses, with what is wrong in the message. */
export class XlsxSheetNameError extends Error {
  constructor(
    readonly sheetName: string,
    reason: string,
  ) {
    super(`invalid sheet name "${sheetName}": ${reason}`);
  }
}

/**
 * Writes an XLSX workbook to a file as a stream, for large exports (100k+ rows): each sheet is
 * deflated while its rows arrive, so memory stays flat. Strings are inline strings (no shared
 * string table), the header row is bold, frozen and carries an autofilter.
 *
 * ```ts
 * const w = await XlsxWriter.create('out.xlsx');
 * const s = await w.sheet('Résultats', { columns: [{ header: 'Adresse', width: 40 }] });
 * await s.addRow(['12 rue de la Paix']);
 * await w.close();
 * ```
 *
 * Sheets are written one after another: a sheet is finished when the next one starts, or on
 * `close`. On failure, `abort` deletes the partial file.
 */
export class XlsxWriter {
  private readonly sheets: XlsxSheet[] = [];
  private current: XlsxSheet | null = null;

  private constructor(private readonly zip: ZipWriter) {}

  /** Creates (or truncates) the file at `path`. */
  static async create(path: string): Promise<XlsxWriter> {
    return new XlsxWriter(await ZipWriter.create(path));
  }

  /** Finishes the current sheet and starts a new one; throws `XlsxSheetNameError` on a bad name. */
  async sheet(name: string, options: XlsxSheetOptions): Promise<XlsxSheet> {
    this.checkName(name);
    if (options.columns.length > XLSX_MAX_COLUMNS)
      throw new RangeError(
        `sheet "${name}": ${options.columns.length} columns, Excel holds ${XLSX_MAX_COLUMNS}`,
      );
    await this.current?.finish();
    const sheet = new XlsxSheet(name, this.zip.entry(`xl/worksheets/sheet${this.sheets.length + 1}.xml`), [
      ...options.columns,
    ]);
    this.sheets.push(sheet);
    this.current = sheet;
    await sheet.start(this.sheets.length === 1);
    return sheet;
  }

  /** Finishes the last sheet, writes the workbook parts and closes the file. */
  async close(): Promise<void> {
    if (!this.sheets.length) throw new Error('an XLSX workbook needs at least one sheet');
    await this.current?.finish();
    this.current = null;
    const parts: [string, string][] = [
      ['[Content_Types].xml', contentTypesXml(this.sheets.length)],
      ['_rels/.rels', rootRelsXml()],
      ['xl/workbook.xml', workbookXml(this.sheets.map((s) => ({ name: s.name, filterRef: s.filterRef })))],
      ['xl/_rels/workbook.xml.rels', workbookRelsXml(this.sheets.length)],
      ['xl/styles.xml', stylesXml()],
    ];
    for (const [name, xml] of parts) {
      const entry = this.zip.entry(name);
      await entry.write(xml);
      await entry.end();
    }
    await this.zip.close();
  }

  /** Stops writing and deletes the partial file. */
  async abort(): Promise<void> {
    await this.zip.abort();
  }

  private checkName(name: string): void {
    const bad = (reason: string) => new XlsxSheetNameError(name, reason);
    if (!name.trim()) throw bad('it is empty');
    if (name.length > 31) throw bad(`${name.length} characters, at most 31 are allowed`);
    const forbidden = FORBIDDEN_IN_NAME.exec(name);
    if (forbidden) throw bad(`"${forbidden[0]}" is not allowed (none of [ ] : * ? / \\)`);
    // eslint-disable-next-line no-control-regex -- control characters are what is refused here
    if (/[\u0000-\u001F]/.test(name)) throw bad('control characters are not allowed');
    if (name.startsWith("'") || name.endsWith("'")) throw bad('it may not start or end with an apostrophe');
    if (name.toLowerCase() === 'history') throw bad('"History" is reserved by Excel');
    const lower = name.toLowerCase();
    if (this.sheets.some((s) => s.name.toLowerCase() === lower)) throw bad('a sheet already has this name');
  }
}
