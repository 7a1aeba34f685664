// Property-based tests (issue 9 §3, hostile input) of the BatID parser: what a user types is
// either one 12-symbol id over the RNB alphabet or a message, never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BATID_LENGTH, RNB_ALPHABET, formatBatid, mintBatid, parseBatid } from '../../src/ids/batid.js';
import { fuzz, textOf, timed } from '../helpers/fuzz.js';

const VALID = new RegExp(`^[${RNB_ALPHABET}]{${BATID_LENGTH}}$`);
const batid = fc
  .array(fc.constantFrom(...RNB_ALPHABET), { minLength: BATID_LENGTH, maxLength: BATID_LENGTH })
  .map((s) => s.join(''));

test('fuzz batid: a minted or generated id, shown as XXXX-XXXX-XXXX, parses back to itself', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        batid,
        fc.constant(null).map(() => mintBatid()),
      ),
      (id) => {
        assert.match(id, VALID);
        assert.match(formatBatid(id), /^.{4}-.{4}-.{4}$/);
        assert.deepEqual(parseBatid(formatBatid(id)), { ok: true, batid: id });
        assert.deepEqual(parseBatid(id), { ok: true, batid: id });
      },
    ),
    fuzz(300),
  );
});

test('fuzz batid: any case and any spaces, dashes or underscores between symbols read the same id', () => {
  const gap = textOf([' ', '-', '_', '\t', '\n', '\u00A0', '--'], 2);
  fc.assert(
    fc.property(
      batid,
      fc.array(fc.tuple(fc.boolean(), gap), { minLength: BATID_LENGTH + 1, maxLength: BATID_LENGTH + 1 }),
      (id, style) => {
        let typed = style[0]![1];
        [...id].forEach((c, i) => (typed += (style[i]![0] ? c.toLowerCase() : c) + style[i + 1]![1]));
        assert.deepEqual(parseBatid(typed), { ok: true, batid: id }, JSON.stringify(typed));
      },
    ),
    fuzz(300),
  );
});

test('fuzz batid: any text gives a valid id or a message saying what is wrong; never throws', () => {
  const text = fc.oneof(
    textOf(
      [
        ...RNB_ALPHABET.slice(0, 8),
        'a',
        'z',
        '0',
        'O',
        'I',
        'L',
        'U',
        'o',
        ' ',
        '-',
        '_',
        '\u0000',
        'é',
        'ſ',
        'ﬀ',
        '\u212A',
        '😀',
        '\uD800',
      ],
      16,
    ),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  fc.assert(
    fc.property(text, (s) => {
      const r = timed('parseBatid', () => parseBatid(s));
      if (r.ok) {
        assert.match(r.batid, VALID);
        assert.doesNotMatch(s, /[^\p{ASCII}\s]/u, 'only ASCII symbols read');
        assert.equal(s.replace(/[\s_-]/g, '').toUpperCase(), r.batid);
      } else assert.match(r.error, /has 12 symbols|is not a BatID symbol/);
    }),
    fuzz(1000),
  );
});

test('fuzz batid: an id with one symbol outside the alphabet is refused naming that symbol', () => {
  fc.assert(
    fc.property(
      batid,
      fc.nat({ max: BATID_LENGTH - 1 }),
      fc.constantFrom('0', 'O', 'I', 'L', 'U', '#', 'é', 'ſ', 'ﬀ', 'ı', '\u212A', '😀'),
      (id, at, bad) => {
        const r = parseBatid(id.slice(0, at) + bad + id.slice(at + 1));
        assert.equal(r.ok, false);
        // an ASCII letter is named upper-cased, as it was read; anything else as typed
        const named = bad < '\u0080' ? bad.toUpperCase() : bad;
        if (!r.ok) assert.ok(r.error.includes(`"${named}"`), r.error);
      },
    ),
    fuzz(200),
  );
});

// Found by the properties above; kept as a focused regression test.

test('batid: letters that only upper-case into the alphabet are refused', () => {
  assert.deepEqual(parseBatid('ABCD-2345-KMNſ'), {
    ok: false,
    error: `"ſ" (U+017F, not ASCII) is not a BatID symbol (allowed: ${RNB_ALPHABET}; no 0, O, I, L, U)`,
  });
  const ff = parseBatid('ABCD-2345-ﬀMN');
  assert.equal(ff.ok, false);
  if (!ff.ok) assert.match(ff.error, /^"ﬀ" \(U\+FB00, not ASCII\)/);
});
