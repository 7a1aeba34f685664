/** The fixed parts of an XLSX package and the XML text helpers the sheets share. */

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const CT = 'application/vnd.openxmlformats-officedocument.spreadsheetml';

/* eslint-disable no-control-regex -- control characters are what the next two match */
/** Characters XML 1.0 forbids (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates). */
const INVALID_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPECIAL = /[&<>"]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
/** Excel reads `_xHHHH_` in a string as the character U+HHHH; `_x005F_` keeps the underscore. */
const OOXML_ESCAPE = /_(?=x[0-9A-Fa-f]{4}_)/g;
const NEEDS_WORK = /[&<>"_\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
/* eslint-enable no-control-regex */

/** Text as XML character data: characters XML cannot hold are dropped, `& < > "` escaped. */
export function escapeXml(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text.replace(INVALID_XML, '').replace(SPECIAL, (c) => ENTITIES[c]!);
}

/** Cell text for Excel: `escapeXml`, plus the underscore of a literal `_xHHHH_` escaped. */
export function escapeCellText(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return escapeXml(text).replace(OOXML_ESCAPE, '_x005F_');
}

/** `[Content_Types].xml` for a workbook of `sheetCount` sheets. */
export function contentTypesXml(sheetCount: number): string {
  let sheets = '';
  for (let i = 1; i <= sheetCount; i++)
    sheets += `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="${CT}.worksheet+xml"/>`;
  return (
    `${DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    `<Override PartName="/xl/workbook.xml" ContentType="${CT}.sheet.main+xml"/>` +
    `<Override PartName="/xl/styles.xml" ContentType="${CT}.styles+xml"/>` +
    `${sheets}</Types>`
  );
}

/** `_rels/.rels`: the package's main part is the workbook. */
export function rootRelsXml(): string {
  return (
    `${DECL}<Relationships xmlns="${PKG_REL_NS}">` +
    `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`
  );
}

/** A sheet as the workbook lists it; `filterRef` is its autofilter range (`A1:C10`), if any. */
export interface WorkbookSheet {
  name: string;
  filterRef: string | null;
}

/** `xl/workbook.xml`: the sheets in order, and the hidden names Excel keeps for autofilters. */
export function workbookXml(sheets: WorkbookSheet[]): string {
  let list = '';
  let names = '';
  sheets.forEach((s, i) => {
    list += `<sheet name="${escapeXml(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`;
    if (s.filterRef) {
      const [from, to] = s.filterRef.split(':').map((ref) => ref.replace(/^([A-Z]+)(\d+)$/, '$$$1$$$2'));
      const quoted = `'${s.name.replace(/'/g, "''")}'`;
      names += `<definedName name="_xlnm._FilterDatabase" localSheetId="${i}" hidden="1">${escapeXml(
        `${quoted}!${from}:${to}`,
      )}</definedName>`;
    }
  });
  return (
    `${DECL}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    '<bookViews><workbookView activeTab="0"/></bookViews>' +
    `<sheets>${list}</sheets>${names ? `<definedNames>${names}</definedNames>` : ''}</workbook>`
  );
}

/** `xl/_rels/workbook.xml.rels`: sheets are rId1…rIdN, the styles rId(N+1). */
export function workbookRelsXml(sheetCount: number): string {
  let rels = '';
  for (let i = 1; i <= sheetCount; i++)
    rels += `<Relationship Id="rId${i}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i}.xml"/>`;
  return (
    `${DECL}<Relationships xmlns="${PKG_REL_NS}">${rels}` +
    `<Relationship Id="rId${sheetCount + 1}" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`
  );
}

/** Style index of the bold header cells in `stylesXml` (0 is the default style). */
export const BOLD_STYLE = 1;

/** `xl/styles.xml`: the default style and a bold one. */
export function stylesXml(): string {
  const font = '<sz val="11"/><name val="Calibri"/><family val="2"/>';
  return (
    `${DECL}<styleSheet xmlns="${MAIN_NS}">` +
    `<fonts count="2"><font>${font}</font><font><b/>${font}</font></fonts>` +
    '<fills count="2"><fill><patternFill patternType="none"/></fill>' +
    '<fill><patternFill patternType="gray125"/></fill></fills>' +
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>' +
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
    '</styleSheet>'
  );
}

/** The start of a worksheet: view (first row frozen), column widths, then the open `sheetData`. */
export function worksheetStartXml(widths: (number | undefined)[], selected: boolean): string {
  let cols = '';
  widths.forEach((w, i) => {
    if (w !== undefined) cols += `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`;
  });
  return (
    `${DECL}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
    `<sheetViews><sheetView${selected ? ' tabSelected="1"' : ''} workbookViewId="0">` +
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    `${cols ? `<cols>${cols}</cols>` : ''}<sheetData>`
  );
}

/** The end of a worksheet, with its autofilter range if any. */
export function worksheetEndXml(filterRef: string | null): string {
  return `</sheetData>${filterRef ? `<autoFilter ref="${filterRef}"/>` : ''}</worksheet>`;
}

/** Column letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA. */
export function columnLetters(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}
