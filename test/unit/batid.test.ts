import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RNB_ALPHABET, formatBatid, mintBatid, parseBatid } from '../../src/ids/batid.js';

test('batid: minted ids are 12 symbols of the RNB alphabet', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = mintBatid();
    assert.match(id, /^[123456789ABCDEFGHJKMNPQRSTVWXYZ]{12}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 2000);
  assert.equal(RNB_ALPHABET.length, 31);
});

test('batid: shown as XXXX-XXXX-XXXX', () => assert.equal(formatBatid('ABCD2345KMNP'), 'ABCD-2345-KMNP'));

const INPUTS: [string, string | RegExp][] = [
  ['ABCD-2345-KMNP', 'ABCD2345KMNP'],
  ['abcd 2345 kmnp', 'ABCD2345KMNP'],
  [' abcd_2345-kmnp ', 'ABCD2345KMNP'],
  ['ABCD2345KMNP', 'ABCD2345KMNP'],
  ['ABCD-2345-KMN', /has 12 symbols/],
  ['ABCD-2345-KMNP1', /has 12 symbols/],
  ['ABCD-2345-KMN0', /"0" is not a BatID symbol/],
  ['ABCD-2345-KMNO', /"O" is not a BatID symbol/],
  ['ABCD-2345-KMNI', /"I" is not a BatID symbol/],
  ['ABCD-2345-KMNU', /"U" is not a BatID symbol/],
  ['', /has 12 symbols/],
  // non-ASCII letters whose upper case lands in the alphabet are refused, named as typed
  ['ABCD-2345-KMNſ', /^"ſ" \(U\+017F, not ASCII\) is not a BatID symbol/],
  ['ABCD-2345-ﬀMN', /^"ﬀ" \(U\+FB00, not ASCII\) is not a BatID symbol/],
  ['ABCD-2345-KMNé', /"é" \(U\+00E9, not ASCII\)/],
  ['ABCD\u00A02345\u00A0KMNP', 'ABCD2345KMNP'], // a no-break space is still a gap
];
for (const [input, want] of INPUTS) {
  test(`batid: parse ${JSON.stringify(input)}`, () => {
    const r = parseBatid(input);
    if (typeof want === 'string') assert.deepEqual(r, { ok: true, batid: want });
    else {
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, want);
    }
  });
}

test('batid: symbols are drawn uniformly (chi-square over 31 symbols)', () => {
  const counts = new Map<string, number>();
  const n = 20_000;
  for (let i = 0; i < n; i++) for (const c of mintBatid()) counts.set(c, (counts.get(c) ?? 0) + 1);
  const expected = (n * 12) / 31;
  let chi = 0;
  for (const c of RNB_ALPHABET) chi += ((counts.get(c) ?? 0) - expected) ** 2 / expected;
  // 30 degrees of freedom: p = 0.001 at 59.7
  assert.ok(chi < 59.7, `chi-square ${chi.toFixed(1)}`);
});
