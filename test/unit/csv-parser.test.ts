import { test } from 'node:test';
import assert from 'node:assert/strict';
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
