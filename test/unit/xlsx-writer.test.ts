import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { XlsxSheetNameError, XlsxWriter, type XlsxCell } from '../../src/jobs/xlsx-writer.js';
import { crc32 } from '../../src/jobs/zip-writer.js';
import { readZip, type ZipEntry } from '../helpers/read-zip.js';
import { sheetCells, type SheetCell } from '../helpers/read-xlsx.js';

const dir = mkdtempSync(join(tmpdir(), 'batid-xlsx-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function part(entries: ZipEntry[], name: string): string {
  const e = entries.find((x) => x.name === name);
  assert.ok(e, `${name} is in the archive`);
  return e.data.toString('utf8');
}

/** Tags balanced and no stray `&`/`<`: enough to catch an XML writer's usual mistakes. */
function assertWellFormed(xml: string, name: string): void {
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  for (const m of body.matchAll(
    /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+);)/g,
  )) {
    if (!m[2]) assert.fail(`${name}: stray "${m[0]}" at ${m.index}`);
    if (m[4]) continue;
    if (m[1]) assert.equal(stack.pop(), m[2], `${name}: </${m[2]}> closes the open element`);
    else stack.push(m[2]);
  }
  assert.deepEqual(stack, [], `${name}: every element closed`);
}

/** Cells of a worksheet by reference (`B3`), values unescaped. */
const cells = sheetCells;

// ---- the tests ----

test('crc32 gives the standard check value', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('6789'), crc32(Buffer.from('12345'))), 0xcbf43926);
});

test('rows bigger than a 256 KB chunk go out whole and in order, between small ones', async () => {
  const path = join(dir, 'wide.xlsx');
  const w = await XlsxWriter.create(path);
  const columns = Array.from({ length: 12 }, (_v, i) => ({ header: `C${i + 1}` }));
  const s = await w.sheet('Large', { columns });
  const long = (n: number, c: string) => `${n}:${c.repeat(30_000)}`;
  const rows: XlsxCell[][] = [];
  for (let r = 0; r < 40; r++)
    rows.push(
      r % 7 === 3
        ? columns.map((_c, i) => long(r * 100 + i, i % 2 ? 'é' : '€')) // ~1 MB of UTF-8, more than a chunk
        : [`petite ${r}`, r, null, 'ça'],
    );
  for (const row of rows) await s.addRow(row);
  await w.close();
  const c = cells(part(readZip(readFileSync(path)), 'xl/worksheets/sheet1.xml'));
  rows.forEach((row, r) =>
    row.forEach((v, i) => {
      const ref = `${String.fromCharCode(65 + i)}${r + 2}`;
      assert.equal(c.get(ref)?.v, v === null ? undefined : String(v), ref);
    }),
  );
});

test('a two-sheet workbook: parts, values, escaping, styles, frozen header, autofilter', async () => {
  const path = join(dir, 'small.xlsx');
  const w = await XlsxWriter.create(path);
  const s = await w.sheet('Résultats', {
    columns: [
      { header: 'Adresse', width: 40 },
      { header: 'Distance <m>' },
      { header: 'Éligible', width: 10 },
      { header: 'Note' },
    ],
  });
  const rows: XlsxCell[][] = [
    ['1 rue "A" & <B>', 12, true, null],
    ['ctl\u0001\u0008\u000b\u000c\u001f\ufffe end\ttab', -0.5, false, ''],
    [' lead and trail ', 1e21, null, 'Zoë 🏠 _x0041_ \ud800lone'],
    ['only the first'],
  ];
  for (const r of rows) await s.addRow(r);
  assert.throws(() => s.addRow([1, 2, 3, 4, 5]), /row 6 has 5 values, the sheet has 4 columns/);
  const legend = await w.sheet("Légende d'O", { columns: [{ header: 'Colonne' }, { header: 'Sens' }] });
  await legend.addRow(['Distance <m>', 'mètres jusqu’au réseau']);
  assert.throws(() => s.addRow(['late']), /sheet "Résultats" is finished/);
  await w.close();

  const entries = readZip(readFileSync(path));
  assert.deepEqual(entries.map((e) => e.name).sort(), [
    '[Content_Types].xml',
    '_rels/.rels',
    'xl/_rels/workbook.xml.rels',
    'xl/styles.xml',
    'xl/workbook.xml',
    'xl/worksheets/sheet1.xml',
    'xl/worksheets/sheet2.xml',
  ]);
  for (const e of entries) assertWellFormed(e.data.toString('utf8'), e.name);

  const types = part(entries, '[Content_Types].xml');
  for (const p of [
    '/xl/workbook.xml',
    '/xl/styles.xml',
    '/xl/worksheets/sheet1.xml',
    '/xl/worksheets/sheet2.xml',
  ])
    assert.match(types, new RegExp(`<Override PartName="${p}"`));
  assert.match(part(entries, '_rels/.rels'), /Target="xl\/workbook.xml"/);
  const rels = part(entries, 'xl/_rels/workbook.xml.rels');
  assert.match(rels, /Id="rId1" Type="[^"]+\/worksheet" Target="worksheets\/sheet1.xml"/);
  assert.match(rels, /Id="rId2" Type="[^"]+\/worksheet" Target="worksheets\/sheet2.xml"/);
  assert.match(rels, /Id="rId3" Type="[^"]+\/styles" Target="styles.xml"/);
  const wb = part(entries, 'xl/workbook.xml');
  assert.match(
    wb,
    /<sheet name="Résultats" sheetId="1" r:id="rId1"\/><sheet name="Légende d'O" sheetId="2" r:id="rId2"\/>/,
  );
  assert.match(wb, /localSheetId="0" hidden="1">'Résultats'!\$A\$1:\$D\$5</);
  assert.match(wb, /localSheetId="1" hidden="1">'Légende d''O'!\$A\$1:\$B\$2</);
  assert.match(part(entries, 'xl/styles.xml'), /<cellXfs count="2">.*applyFont="1"/);

  const xml = part(entries, 'xl/worksheets/sheet1.xml');
  assert.match(xml, /<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"\/>/);
  assert.match(
    xml,
    /<cols><col min="1" max="1" width="40" customWidth="1"\/><col min="3" max="3" width="10" customWidth="1"\/><\/cols>/,
  );
  assert.match(xml, /<\/sheetData><autoFilter ref="A1:D5"\/><\/worksheet>$/);
  assert.match(xml, /<t>1 rue &quot;A&quot; &amp; &lt;B&gt;<\/t>/);
  const c = cells(xml);
  const want: [string, SheetCell | undefined][] = [
    ['A1', { t: 'inlineStr', s: '1', v: 'Adresse' }],
    ['B1', { t: 'inlineStr', s: '1', v: 'Distance <m>' }],
    ['A2', { t: 'inlineStr', s: undefined, v: '1 rue "A" & <B>' }],
    ['B2', { t: undefined, s: undefined, v: '12' }],
    ['C2', { t: 'b', s: undefined, v: '1' }],
    ['D2', undefined],
    ['A3', { t: 'inlineStr', s: undefined, v: 'ctl end\ttab' }],
    ['B3', { t: undefined, s: undefined, v: '-0.5' }],
    ['C3', { t: 'b', s: undefined, v: '0' }],
    ['D3', undefined],
    ['A4', { t: 'inlineStr', s: undefined, v: ' lead and trail ' }],
    ['B4', { t: undefined, s: undefined, v: '1e+21' }],
    ['C4', undefined],
    ['D4', { t: 'inlineStr', s: undefined, v: 'Zoë 🏠 _x005F_x0041_ lone' }],
    ['A5', { t: 'inlineStr', s: undefined, v: 'only the first' }],
    ['B5', undefined],
  ];
  for (const [ref, cell] of want) assert.deepEqual(c.get(ref), cell, ref);
  assert.match(xml, /<row r="4"><c t="inlineStr"><is><t xml:space="preserve"> lead and trail <\/t>/);
  // a cell after an empty one says where it is; the others follow the previous one
  assert.match(xml, /<row r="4">.*?<\/c><c><v>1e\+21<\/v><\/c><c r="D4" t="inlineStr">/);
  assert.match(xml, /<sheetView tabSelected="1" workbookViewId="0">/);

  const legendXml = part(entries, 'xl/worksheets/sheet2.xml');
  assert.doesNotMatch(legendXml, /tabSelected/);
  assert.deepEqual(cells(legendXml).get('B2'), { t: 'inlineStr', s: undefined, v: 'mètres jusqu’au réseau' });
});

const BAD_NAMES: [string, RegExp][] = [
  ['', /it is empty/],
  ['   ', /it is empty/],
  ['x'.repeat(32), /32 characters, at most 31/],
  ['a/b', /"\/" is not allowed/],
  ['a\\b', /"\\" is not allowed/],
  ['x[1]', /"\[" is not allowed/],
  ['a:b', /":" is not allowed/],
  ['a*', /"\*" is not allowed/],
  ['quoi?', /"\?" is not allowed/],
  ["'quoted'", /apostrophe/],
  ['tab\there', /control characters/],
  ['History', /reserved/],
  ['RÉSULTATS', /already has this name/],
];
for (const [name, reason] of BAD_NAMES) {
  test(`sheet name ${JSON.stringify(name)} is refused`, async () => {
    const path = join(dir, 'names.xlsx');
    const w = await XlsxWriter.create(path);
    await w.sheet('Résultats', { columns: [{ header: 'a' }] });
    await assert.rejects(w.sheet(name, { columns: [] }), (e: unknown) => {
      assert.ok(e instanceof XlsxSheetNameError);
      assert.equal(e.sheetName, name);
      assert.match(e.message, /^invalid sheet name/);
      assert.match(e.message, reason);
      return true;
    });
    await w.sheet('x'.repeat(31), { columns: [] });
    await w.close();
    assert.equal(readZip(readFileSync(path)).length, 7);
  });
}

test('a workbook needs a sheet; abort deletes the partial file', async () => {
  const path = join(dir, 'aborted.xlsx');
  const w = await XlsxWriter.create(path);
  await assert.rejects(w.close(), /at least one sheet/);
  const s = await w.sheet('a', { columns: [{ header: 'a' }] });
  await s.addRow(['x']);
  await w.abort();
  assert.equal(existsSync(path), false);
  await assert.rejects(XlsxWriter.create(join(dir, 'no/such/dir.xlsx')), /ENOENT/);
});

/** `gc()` when the process can be given one (V8 flag set at run time), else undefined. */
function getGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

test('100,000 rows × 15 columns: a valid file, written with flat memory', async () => {
  const gc = getGc();
  const used = () => {
    gc?.();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const path = join(dir, 'big.xlsx');
  const columns = Array.from({ length: 15 }, (_v, i) => ({ header: `Colonne ${i + 1}`, width: 12 }));
  const base = used();
  let peak = 0;
  const w = await XlsxWriter.create(path);
  const s = await w.sheet('Résultats', { columns });
  const ROWS = 100_000;
  for (let r = 1; r <= ROWS; r++) {
    await s.addRow([
      `${r} avenue de la République, 69003 Lyon`,
      r,
      r / 7,
      r % 2 === 0,
      null,
      `adresse n°${r} <à vérifier>`,
      'éligible',
      r * 1000,
      'x'.repeat(r % 40),
      -r,
      'Réseau de chaleur urbain',
      r % 3 === 0 ? null : 'ok',
      48.85 + r / 1e6,
      2.35 - r / 1e6,
      `ligne ${r}`,
    ]);
    if (r % 20_000 === 0) peak = Math.max(peak, used() - base);
  }
  await w.close();
  if (gc)
    assert.ok(peak < 50 * 1024 * 1024, `memory grew by ${(peak / 1048576).toFixed(1)} MB while writing`);

  const entries = readZip(readFileSync(path));
  const xml = part(entries, 'xl/worksheets/sheet1.xml');
  assert.equal(xml.match(/<row /g)?.length, ROWS + 1);
  assert.match(xml, /<autoFilter ref="A1:O100001"\/>/);
  const last = xml.slice(xml.lastIndexOf('<row '));
  assert.match(
    last,
    /^<row r="100001"><c t="inlineStr"><is><t>100000 avenue de la République, 69003 Lyon<\/t>/,
  );
  const c = cells(last);
  assert.deepEqual(c.get('D100001'), { t: 'b', s: undefined, v: '1' });
  assert.equal(c.get('E100001'), undefined);
  assert.ok(c.get('F100001'));
  assert.deepEqual(c.get('O100001'), { t: 'inlineStr', s: undefined, v: 'ligne 100000' });
});
