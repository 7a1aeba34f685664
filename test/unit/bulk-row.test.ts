import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinAddress, tidy } from '../../src/jobs/bulk-row.js';
import { Prng } from '../../src/synth/prng.js';

const slow = (s: string) => s.trim().replace(/\s+/g, ' ');

test('tidy: trimmed, runs of whitespace made one space; a tidy field is returned as it is', () => {
  const cases = [
    '12 rue de la Paix 75002 Paris',
    ' 12 rue de la Paix',
    '12 rue de la Paix ',
    '12  rue',
    '12\true',
    '12\u00a0rue',
    '12\u202frue',
    'rue\nde la Paix',
    '\r\n',
    '   ',
    '',
    'a',
    ' a ',
    '\ufeffrue',
    'rue\u2028x',
  ];
  for (const s of cases) assert.equal(tidy(s), slow(s), JSON.stringify(s));
  const tidyAlready = '3 allée des Tilleuls 03100 Montluçon';
  assert.equal(tidy(tidyAlready), tidyAlready);
  // seeded random strings over letters, spaces and other whitespace
  const prng = new Prng(11);
  const alphabet = ['a', 'é', '1', ' ', ' ', '\t', '\n', '\u00a0', '\u3000', ','];
  for (let n = 0; n < 2000; n++) {
    const s = Array.from(
      { length: Math.floor(prng.next() * 12) },
      () => alphabet[Math.floor(prng.next() * alphabet.length)],
    ).join('');
    assert.equal(tidy(s), slow(s), JSON.stringify(s));
  }
});

test('joinAddress: one address column is the field tidied; parts are joined as before', () => {
  assert.equal(joinAddress(['1', ' 12  rue de la Paix '], { main: [1] }), '12 rue de la Paix');
  assert.equal(joinAddress(['1', '12 rue de la Paix'], { main: [1] }), '12 rue de la Paix');
  assert.equal(joinAddress(['1', '   '], { main: [1] }), '');
  assert.equal(joinAddress(['1'], { main: [1] }), '');
  assert.equal(joinAddress(['rue de la Paix', 'Paris'], { main: [0, 1] }), 'rue de la Paix, Paris');
  assert.equal(
    joinAddress(['12', 'bis', 'rue  de la Paix', '75002', 'Paris'], {
      main: [2],
      number: 0,
      repetition: 1,
      postcode: 3,
      city: 4,
    }),
    '12 bis rue de la Paix, 75002 Paris',
  );
  // parts the main text already holds are not repeated
  assert.equal(
    joinAddress(['12', '12 rue de la Paix 75002 Paris', '75002', 'PARIS'], {
      main: [1],
      number: 0,
      postcode: 2,
      city: 3,
    }),
    '12 rue de la Paix 75002 Paris',
  );
});
