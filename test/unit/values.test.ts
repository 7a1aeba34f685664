import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyText,
  inferExtraValue,
  parseBoolean,
  parseDate,
  parseInteger,
  parseJsonList,
  parseNumber,
  parsePgArray,
} from '../../src/ingest/values.js';

const OK: [string, (s: string) => unknown, string, unknown][] = [
  ['number', parseNumber, '17.800000000000001', 17.8],
  ['number', parseNumber, '849.8', 849.8],
  ['number', parseNumber, '-3', -3],
  ['number', parseNumber, '1,5', 1.5],
  ['number', parseNumber, '1e3', 1000],
  ['integer', parseInteger, '33', 33],
  ['integer', parseInteger, '33.000000000000001', 33],
  ['integer', parseInteger, ' 12 ', 12],
  ['integer', (s) => parseInteger(s, 'integer'), '2147483647', 2147483647],
  ['integer', (s) => parseInteger(s, 'integer'), '-2147483648', -2147483648],
  ['integer', parseInteger, '3000000000', 3000000000],
  ['integer', parseInteger, '-0', 0],
  ['date', parseDate, '0001-01-01', '0001-01-01'],
  ['json list', parseJsonList, '["\\ud83d\\ude00", "\\\\u0000"]', ['😀', '\\u0000']],
  ['boolean', parseBoolean, '1', true],
  ['boolean', parseBoolean, '0', false],
  ['boolean', parseBoolean, 't', true],
  ['boolean', parseBoolean, 'f', false],
  ['boolean', parseBoolean, 'True', true],
  ['date', parseDate, '2021-07-01', '2021-07-01'],
  ['date', parseDate, '2021-07-01 12:30:00', '2021-07-01'],
  ['date', parseDate, '01/07/2021', '2021-07-01'],
  ['date', parseDate, '2024-02-29', '2024-02-29'],
  ['pg array', parsePgArray, '{38117_0153_02822,38117_0153_02824}', ['38117_0153_02822', '38117_0153_02824']],
  ['pg array', parsePgArray, '{NULL}', [null]],
  ['pg array', parsePgArray, '{}', []],
  ['pg array', parsePgArray, '{"a b","c,d"}', ['a b', 'c,d']],
  ['json list', parseJsonList, '[ "1850", "1900" ]', ['1850', '1900']],
  ['json list', parseJsonList, '{a,b}', ['a', 'b']],
  ['json list', parseJsonList, 'seul', ['seul']],
];
for (const [kind, fn, input, want] of OK) {
  test(`values: ${kind} ${JSON.stringify(input)}`, () => assert.deepEqual(fn(input), want));
}

const BAD: [string, (s: string) => unknown, string, RegExp][] = [
  ['number', parseNumber, 'abc', /expected a number, got "abc"/],
  ['number', parseNumber, '12abc', /expected a number/],
  ['number', parseNumber, 'NaN', /expected a number/],
  ['integer', parseInteger, '17.8', /expected an integer, got "17.8"/],
  ['boolean', parseBoolean, 'maybe', /expected a boolean/],
  ['date', parseDate, '2023-02-30', /no such date/],
  ['date', parseDate, 'hier', /expected a date/],
  // what PostgreSQL would refuse, failing the whole COPY: rejected here with a reason
  ['number', parseNumber, '1e999', /number out of range/],
  ['number', parseNumber, '-1e999', /number out of range/],
  [
    'integer',
    (s) => parseInteger(s, 'integer'),
    '3000000000',
    /out of range for integer \(-2147483648 to 2147483647\)/,
  ],
  ['integer', (s) => parseInteger(s, 'integer'), '-2147483649', /out of range for integer/],
  ['integer', (s) => parseInteger(s, 'smallint'), '32768', /out of range for smallint/],
  ['integer', parseInteger, '9007199254740993', /out of range for bigint/],
  ['date', parseDate, '0000-01-01', /no such date \(there is no year 0\): "0000-01-01"/],
  ['date', parseDate, '01/01/0000', /there is no year 0/],
  ['json list', parseJsonList, '["\\u0000"]', /NUL .* jsonb cannot store/],
  ['json list', parseJsonList, '{"a\\u0000":1}', /jsonb cannot store/],
  ['json list', parseJsonList, '["\\udc00"]', /lone surrogate/],
  ['pg array', parsePgArray, '{"open}', /unterminated/],
  ['pg array', parsePgArray, '{open', /expected an array/],
  ['json list', parseJsonList, '[1,', /expected a JSON list/],
];
for (const [kind, fn, input, err] of BAD) {
  test(`values: ${kind} rejects ${JSON.stringify(input)}`, () => assert.throws(() => fn(input), err));
}

test('values: unknown columns keep lists and flags, codes stay text', () => {
  assert.deepEqual(inferExtraValue('{38517_0345_00007}'), ['38517_0345_00007']);
  assert.equal(inferExtraValue('t'), true);
  assert.equal(inferExtraValue('01'), '01');
  assert.equal(inferExtraValue(''), null);
  // a list jsonb cannot hold stays the text it was
  assert.equal(inferExtraValue('["\\u0000"]'), '["\\u0000"]');
});

test('values: COPY text escapes', () => {
  assert.equal(copyText('a\tb\nc\\d'), 'a\\tb\\nc\\\\d');
  assert.equal(copyText('plain'), 'plain');
});
