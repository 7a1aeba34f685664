import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dpeId, dpeNumber } from '../../src/synth/dpe-history.js';

test('synthetic DPE ids: unchanged below 10⁷, one id per number beyond (large départements), read back', () => {
  // the ids of départements with fewer than 625k groups stay byte-identical
  assert.equal(dpeId('2023-05-01', '03', 123), '2303E0000123D');
  const seen = new Set<string>();
  for (const n of [0, 1, 9_999_999, 10_000_000, 10_000_001, 19_999_999, 20_000_000, 259_999_999]) {
    const id = dpeId('2024-01-01', '42', n);
    assert.match(id, /^\d{2}\w{2}E\d{7}[A-Z]$/);
    assert.equal(dpeNumber(id), n, id);
    seen.add(id);
  }
  assert.equal(seen.size, 8);
  // same 7 digits, other hundred-million: another letter
  assert.notEqual(dpeId('2024-01-01', '42', 5), dpeId('2024-01-01', '42', 10_000_005));
  assert.throws(() => dpeId('2024-01-01', '42', 26 * 10_000_000), /does not fit/);
  assert.equal(dpeNumber('2103E000001'), null);
});
