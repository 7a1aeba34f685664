import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvFile } from '../../src/ingest/csv/csv-file.js';
import { CsvParser, detectSeparator, type CsvRecord } from '../../src/ingest/csv/csv-parser.js';

function parseAll(text: string, sep = ',', expected?: number, chunk = 3): CsvRecord[] {
  const p = new CsvParser(sep, expected);
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk), out);
  p.end(out);
  return out;
}

const CASES: { name: string; text: string; expected?: number; want: unknown[] }[] = [
  {
    name: 'plain rows, LF',
    text: 'a,b\n1,2\n',
    want: [
      [1, ['a', 'b']],
      [2, ['1', '2']],
    ],
  },
  {
    name: 'CRLF and no final newline',
    text: 'a,b\r\n1,2',
    want: [
      [1, ['a', 'b']],
      [2, ['1', '2']],
    ],
  },
  { name: 'quoted separator and doubled quote', text: '"x,1","y""q"\n', want: [[1, ['x,1', 'y"q']]] },
  {
    name: 'quoted WKT with commas',
    text: '"MULTIPOLYGON (((1 2,3 4)))",id\n',
    want: [[1, ['MULTIPOLYGON (((1 2,3 4)))', 'id']]],
  },
  { name: 'empty fields', text: ',,\n', want: [[1, ['', '', '']]] },
  { name: 'trailing separator', text: 'a,\n', want: [[1, ['a', '']]] },
  {
    name: 'blank lines skipped, numbering kept',
    text: 'a\n\n\nb\n',
    want: [
      [1, ['a']],
      [4, ['b']],
    ],
  },
  {
    name: 'newline inside quotes',
    text: '"l1\nl2",z\nnext,1\n',
    expected: 2,
    want: [
      [1, ['l1\nl2', 'z']],
      [3, ['next', '1']],
    ],
  },
  { name: 'quote inside an unquoted field kept', text: 'ab"c,d\n', want: [[1, ['ab"c', 'd']]] },
  {
    name: 'stray quote does not swallow the next rows',
    text: '"bad,2,3\n4,5,6\n7,"8",9\n',
    expected: 3,
    want: [
      [1, 'unbalanced quote (record runs over several lines)'],
      [2, ['4', '5', '6']],
      [3, ['7', '8', '9']],
    ],
  },
  {
    name: 'quote never closed: one line lost, not the file',
    text: '"bad,2,3\n4,5,6\n7,8,9\n',
    expected: 3,
    want: [
      [1, 'unterminated quoted field'],
      [2, ['4', '5', '6']],
      [3, ['7', '8', '9']],
    ],
  },
  {
    name: 'unterminated quote at end of file',
    text: '1,2\n"abc',
    expected: 2,
    want: [
      [1, ['1', '2']],
      [2, 'unterminated quoted field'],
    ],
  },
  // line ends as old Mac files write them: a lone CR, counted the same inside quotes and out
  {
    name: 'CR-only line ends, a quoted CR is a line break too',
    text: '"x\ry",b\rc,d\r',
    expected: 2,
    want: [
      [1, ['x\ry', 'b']],
      [3, ['c', 'd']],
    ],
  },
  {
    name: 'CR-only line ends, a stray quote costs its own row only',
    text: '"bad,2\r3,4\r5,6\r',
    expected: 2,
    want: [
      [1, 'unterminated quoted field'],
      [2, ['3', '4']],
      [3, ['5', '6']],
    ],
  },
  {
    name: 'CR-only line ends, an unbalanced quote resyncs on the next CR',
    text: 'a,"b\rc,d\re,"f,g\r',
    expected: 2,
    want: [
      [1, 'unbalanced quote (record runs over several lines)'],
      [2, ['c', 'd']],
      [3, 'unterminated quoted field'],
    ],
  },
  {
    name: 'multi-line last record without a final newline is checked for width',
    text: 'a,b\n"x\ny",w,v',
    expected: 2,
    want: [
      [1, ['a', 'b']],
      [2, 'unbalanced quote (record runs over several lines)'],
      [3, ['y"', 'w', 'v']],
    ],
  },
  {
    name: 'multi-line last record of the right width without a final newline',
    text: 'a,b\r\n"x\r\ny",w',
    expected: 2,
    want: [
      [1, ['a', 'b']],
      [2, ['x\r\ny', 'w']],
    ],
  },
];

for (const c of CASES) {
  for (const chunk of [1, 3, 1000]) {
    test(`csv: ${c.name} (chunks of ${chunk})`, () => {
      const got = parseAll(c.text, ',', c.expected, chunk).map((r) => [r.line, r.error ?? r.fields]);
      assert.deepEqual(got, c.want);
    });
  }
}

test('csv: semicolon files (BAN layout)', () => {
  const got = parseAll('id;nom_voie\n04001_x;Impasse de la Treille àéêù\n', ';');
  assert.deepEqual(got[1]!.fields, ['04001_x', 'Impasse de la Treille àéêù']);
});

test('csv: separator detection ignores quoted text', () => {
  assert.equal(detectSeparator('WKT,batiment_construction_id,code'), ',');
  assert.equal(detectSeparator('id;id_fantoir;numero;rep'), ';');
  assert.equal(detectSeparator('"a;b;c",x,y'), ',');
  assert.equal(detectSeparator('a\tb\tc'), '\t');
});

test('csv: raw text leaves out the line break, whatever it is', () => {
  for (const eol of ['\n', '\r\n', '\r']) {
    const text = `a,b${eol}"c${eol}d",e${eol}"f,g${eol}h,i${eol}`;
    assert.deepEqual(
      parseAll(text, ',', 2).map((r) => r.raw),
      ['a,b', `"c${eol}d",e`, '"f,g', 'h,i'],
      JSON.stringify(eol),
    );
  }
});

test('csv file: CR-only line ends, blank lines before the header: same records and lines when a batch is parsed again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'batid-csv-'));
  try {
    for (const eol of ['\n', '\r\n', '\r']) {
      const path = join(dir, 'cr.csv');
      const text = ['', '', 'id;"nom', 'long";n', '1;"a', 'b";2', '"bad;3', '4;x;5', ''].join(eol);
      await writeFile(path, text);
      const f = await CsvFile.open(path);
      assert.equal(f.separator, ';');
      assert.deepEqual(f.header, ['id', `nom${eol}long`, 'n']);
      const got: unknown[] = [];
      for await (const b of f.batches()) {
        // what a map worker does with the batch
        const again: CsvRecord[] = [];
        const p = new CsvParser(f.separator, f.header.length, b.firstLine);
        p.push(b.text, again);
        p.end(again);
        assert.deepEqual(again, b.records, JSON.stringify(eol));
        got.push(...b.records.map((r) => [r.line, r.fields ?? r.error]));
      }
      await f.close();
      assert.deepEqual(
        got,
        [
          [5, ['1', `a${eol}b`, '2']],
          [7, 'unterminated quoted field'],
          [8, ['4', 'x', '5']],
        ],
        JSON.stringify(eol),
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
