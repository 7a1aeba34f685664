// Property-based tests (issue 9 §3, hostile input) of the address normaliser: whatever the text,
// the same tokens come out of the index and the query side, in a small fixed character set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { editDistance, fold, nameTokens, normaliseRep, parseQuery } from '../../src/address/normalise.js';
import { fuzz, textOf, timed } from '../helpers/fuzz.js';

/** Address-like text with what breaks naive folding: ligatures, case-changing letters, marks, surrogates. */
const ADDRESS_TOKENS = [
  '12',
  'bis',
  'b',
  'ter',
  '75002',
  'rue',
  'Bd',
  'St-',
  'av.',
  'r',
  "l'Église",
  'ÉCOLE',
  'Œuvre',
  'æ',
  'ß',
  'ẞ',
  'İ',
  'ı',
  'ﬁ',
  'Ⅻ',
  '１２',
  '\u0301',
  '\u00A0',
  '\t',
  ' ',
  '-',
  ',',
  '.',
  '\u0000',
  '😀',
  '\uD800',
  'a',
  '7',
];
const address = fc.oneof(
  textOf(ADDRESS_TOKENS, 25),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

test('fuzz address: fold gives lowercase ASCII words, is idempotent and stays small', () => {
  fc.assert(
    fc.property(address, (s) => {
      const f = timed('fold', () => fold(s));
      assert.match(f, /^([a-z0-9]+( [a-z0-9]+)*)?$/, 'letters and digits, single spaces, trimmed');
      assert.doesNotMatch(f, /[a-z]\d|\d[a-z]/, 'numbers split from letters');
      assert.equal(fold(f), f);
      assert.ok(f.length <= 3 * s.length, `${f.length} characters out of ${s.length}`);
    }),
    fuzz(1000),
  );
});

test('fuzz address: name tokens are folded words, the same from the raw or the folded text', () => {
  fc.assert(
    fc.property(address, (s) => {
      const t = nameTokens(s);
      for (const w of t) assert.match(w, /^[a-z0-9]+$/);
      assert.deepEqual(nameTokens(fold(s)), t);
      assert.deepEqual(nameTokens(t.join(' ')), t, 'expanding abbreviations twice changes nothing');
    }),
    fuzz(500),
  );
});

test('fuzz address: a query splits into number, repetition, code and words without losing a token', () => {
  fc.assert(
    fc.property(address, (s) => {
      const q = parseQuery(s);
      if (q.number !== null) assert.ok(Number.isInteger(q.number) && q.number >= 0 && q.number <= 9999);
      if (q.code !== null) assert.match(q.code, /^\d{5}$/);
      if (q.rep !== null) assert.equal(normaliseRep(q.rep), q.rep);
      for (const w of q.words) assert.match(w, /^[a-z0-9]+$/);
      assert.deepEqual(parseQuery(fold(s)), q);
      const tokens = fold(s).split(' ').filter(Boolean).length;
      const used =
        q.words.length + (q.number !== null ? 1 : 0) + (q.rep !== null ? 1 : 0) + (q.code !== null ? 1 : 0);
      assert.equal(used, tokens, 'every token lands somewhere');
    }),
    fuzz(500),
  );
});

test('fuzz address: "<n> <rep> <street> <code>" reads back its number, repetition and code', () => {
  const word = fc.constantFrom('rue', 'de', 'la', 'paix', 'Église', 'bd', 'saint', 'michel', 'av');
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9999 }),
      fc.constantFrom('', 'bis', 'B', 'ter', 'quater', 'Q'),
      fc.array(word, { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 0, max: 99_999 }),
      (n, rep, words, code) => {
        const c = String(code).padStart(5, '0');
        const q = parseQuery(`${n}${rep} ${words.join(' ')} ${c}`);
        assert.equal(q.number, n);
        assert.equal(q.rep, normaliseRep(rep));
        assert.equal(q.code, c);
        assert.deepEqual(q.words, nameTokens(words.join(' ')));
      },
    ),
    fuzz(300),
  );
});

test('fuzz address: repetition suffixes normalise once and for all', () => {
  fc.assert(
    fc.property(fc.option(address, { nil: null }), (s) => {
      const r = normaliseRep(s);
      if (r === null) return;
      assert.match(r, /^[a-z0-9]+$/);
      assert.equal(normaliseRep(r), r);
    }),
    fuzz(300),
  );
});

/** Optimal-string-alignment distance, the plain full table. */
function osa(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(
        d[i - 1]![j]! + 1,
        row[j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

test('fuzz address: the bounded edit distance agrees with the full table up to max, and says "over" above', () => {
  const s = textOf(['a', 'b', 'c', 'e', 'é'], 12);
  fc.assert(
    fc.property(s, s, fc.integer({ min: 0, max: 5 }), (a, b, max) => {
      const full = osa(a, b);
      for (const d of [editDistance(a, b, max), editDistance(b, a, max)]) {
        assert.equal(d, Math.min(full, max + 1), `full distance ${full}, max ${max}`);
      }
    }),
    fuzz(1000),
  );
});

test('address: the bounded edit distance is capped at max + 1 as documented', () => {
  assert.equal(editDistance('aa', 'ceeecb', 4), 5); // was 6: no row exceeded max, the full distance came out
  assert.equal(editDistance('ceeecb', 'aa', 4), 5);
});
