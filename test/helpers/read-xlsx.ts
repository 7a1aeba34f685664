/**
 * A worksheet's cells for tests, read the way spreadsheet applications place them: a row is at
 * its `r` or after the previous row; a cell is at its `r` or in the column after the previous
 * cell (ECMA-376 Part 1 §18.3.1.4). Independent of src/jobs/xlsx-sheet.ts.
 */

export interface SheetCell {
  /** `t` attribute (`inlineStr`, `b`, …), absent for a number */
  t?: string;
  /** `s` attribute (style index) */
  s?: string;
  /** the value or inline text, XML entities resolved */
  v: string;
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|quot|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&' })[e]!);
}

/** 0 → A, 26 → AA. */
function letters(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function columnIndex(ref: string): number {
  let n = 0;
  for (const ch of /^[A-Z]+/.exec(ref)![0]) n = n * 26 + ch.charCodeAt(0) - 64;
  return n - 1;
}

/** Cells of a worksheet's XML by reference (`B3`). */
export function sheetCells(xml: string): Map<string, SheetCell> {
  const out = new Map<string, SheetCell>();
  let rowNo = 0;
  for (const row of xml.matchAll(/<row((?: [a-z]+="[^"]*")*)(?:\/>|>(.*?)<\/row>)/gs)) {
    const r = / r="(\d+)"/.exec(row[1]!);
    const at = r ? Number(r[1]) : rowNo + 1;
    // rows come in ascending order (ECMA-376 Part 1 §18.3.1.73): Excel refuses the file otherwise
    if (at <= rowNo) throw new Error(`row ${at} after row ${rowNo}`);
    rowNo = at;
    let col = -1;
    for (const c of (row[2] ?? '').matchAll(/<c((?: [a-z:]+="[^"]*")*)(?:\/>|>(.*?)<\/c>)/gs)) {
      const attrs = Object.fromEntries([...c[1]!.matchAll(/ ([a-z:]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
      if (attrs.r !== undefined) {
        const at = /^([A-Z]+)(\d+)$/.exec(attrs.r);
        if (!at || Number(at[2]) !== rowNo) throw new Error(`cell ${attrs.r} in row ${rowNo}`);
        const k = columnIndex(attrs.r);
        if (k <= col) throw new Error(`cell ${attrs.r} is not after column ${letters(col)} in row ${rowNo}`);
        col = k;
      } else col++;
      const v = /<(?:v|t(?: xml:space="preserve")?)>(.*?)<\/(?:v|t)>/s.exec(c[2] ?? '')?.[1] ?? '';
      out.set(`${letters(col)}${rowNo}`, { t: attrs.t, s: attrs.s, v: unescape(v) });
    }
  }
  return out;
}

/** The rows of a worksheet as arrays of cell values ('' for an empty cell), from its first row. */
export function sheetRows(xml: string): string[][] {
  const rows: string[][] = [];
  for (const [ref, cell] of sheetCells(xml)) {
    const [, col, row] = /^([A-Z]+)(\d+)$/.exec(ref)!;
    const r = (rows[Number(row) - 1] ??= []);
    const k = columnIndex(col!);
    while (r.length < k) r.push('');
    r[k] = cell.v;
  }
  return Array.from(rows, (r) => r ?? []);
}
