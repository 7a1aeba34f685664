import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressIndex, TopK, type AddressRecord } from '../../src/address/address-index.js';
import { editDistance, fold, nameTokens, parseQuery } from '../../src/address/normalise.js';

let n = 0;
function rec(
  numero: number | null,
  rep: string | null,
  street: string,
  postcode: string,
  insee: string,
  commune: string,
): AddressRecord {
  n++;
  const label = [numero, rep, street, postcode, commune].filter((x) => x !== null && x !== '').join(' ');
  return {
    id: `${insee}_x${String(n).padStart(3, '0')}`,
    numero,
    rep,
    street,
    postcode,
    insee,
    commune,
    lon: 3 + n / 1000,
    lat: 46,
    label,
    batids: [],
  };
}

const A = [
  rec(6, null, 'allée des Tilleuls', '03200', '03001', 'Abrest'),
  rec(8, null, 'allée des Tilleuls', '03200', '03001', 'Abrest'),
  rec(10, null, 'route de Vichy', '03200', '03001', 'Abrest'),
  rec(12, 'bis', 'boulevard de Courtais', '03100', '03185', 'Montluçon'),
  rec(12, null, 'boulevard de Courtais', '03100', '03185', 'Montluçon'),
  rec(14, null, 'boulevard de Courtais', '03100', '03185', 'Montluçon'),
  rec(2, null, 'avenue de la République', '03100', '03185', 'Montluçon'),
  rec(3, null, "rue de l'Église", '03200', '03310', 'Vichy'),
  rec(5, null, "rue de l'Église", '03200', '03310', 'Vichy'),
  rec(7, null, "rue de l'Église", '03200', '03310', 'Vichy'),
  rec(9, null, "rue de l'Église", '03200', '03310', 'Vichy'),
  rec(1, null, 'place Saint-Pierre', '03000', '03190', 'Moulins'),
  rec(7, null, 'chemin des Prés', '03500', '03254', 'Saint-Pourçain-sur-Sioule'),
  rec(10, null, 'route de Vichy', '03300', '03095', 'Cusset'),
  rec(1, null, 'impasse du Moulin', '03000', '03013', 'Avermes'),
  rec(4, 'ter', 'rue Pasteur', '03300', '03095', 'Cusset'),
];
const ix = new AddressIndex(A);
const id = (label: string) => A.find((a) => a.label === label)!.id;

describe('address normalisation', () => {
  test('folds accents, case, punctuation and ligatures', () => {
    assert.equal(fold("Rue de l'Église-Saint-Cœur"), 'rue de l eglise saint coeur');
    assert.equal(fold('12bis'), '12 bis');
  });
  test('expands the common abbreviations', () => {
    assert.deepEqual(nameTokens('Bd St-Michel'), ['boulevard', 'saint', 'michel']);
    assert.deepEqual(nameTokens('Imp. Ste Anne'), ['impasse', 'sainte', 'anne']);
    assert.deepEqual(nameTokens('chem. des all. rte'), ['chemin', 'des', 'allee', 'route']);
  });
  test('parses number, repetition and five-digit code', () => {
    assert.deepEqual(parseQuery('12 b r. de la Paix 03200 Vichy'), {
      number: 12,
      rep: 'bis',
      code: '03200',
      words: ['rue', 'de', 'la', 'paix', 'vichy'],
    });
    assert.deepEqual(parseQuery('4ter rue Pasteur'), {
      number: 4,
      rep: 'ter',
      code: null,
      words: ['rue', 'pasteur'],
    });
    assert.equal(parseQuery('rue du 8 mai 1945').number, null, 'a number inside the street name is a word');
  });
  test('edit distance counts a transposition as one edit and stops past the limit', () => {
    assert.equal(editDistance('courtais', 'courtias', 2), 1);
    assert.equal(editDistance('tilleuls', 'tileuls', 2), 1);
    assert.equal(editDistance('abcdef', 'ghijkl', 2), 3);
    // capped at max + 1 even when no row of the table goes over max on the way
    assert.equal(editDistance('aa', 'ceeecb', 4), 5);
    assert.equal(editDistance('ceeecb', 'aa', 4), 5);
    assert.equal(editDistance('aa', 'ceeecb', 6), 6);
  });
});

// query → expected address label, and the score it must reach (exact label = 1)
const CASES: [string, string, string, (s: number) => boolean][] = [
  ['exact label', '6 allée des Tilleuls 03200 Abrest', '6 allée des Tilleuls 03200 Abrest', (s) => s === 1],
  ['lowercase', '6 allée des tilleuls 03200 abrest', '6 allée des Tilleuls 03200 Abrest', (s) => s === 1],
  [
    'no accents',
    '12 boulevard de Courtais 03100 Montlucon',
    '12 boulevard de Courtais 03100 Montluçon',
    (s) => s === 1,
  ],
  [
    'abbreviation bd',
    '12 bis bd de Courtais Montluçon',
    '12 bis boulevard de Courtais 03100 Montluçon',
    (s) => s >= 0.95,
  ],
  ['abbreviation pl st', '1 pl St Pierre Moulins', '1 place Saint-Pierre 03000 Moulins', (s) => s >= 0.95],
  ['abbreviation r', "3 r de l'eglise vichy", "3 rue de l'Église 03200 Vichy", (s) => s >= 0.95],
  [
    'abbreviation av',
    '2 av de la republique 03100',
    '2 avenue de la République 03100 Montluçon',
    (s) => s >= 0.95,
  ],
  [
    'abbreviations chem st',
    '7 chem des pres st pourcain sur sioule',
    '7 chemin des Prés 03500 Saint-Pourçain-sur-Sioule',
    (s) => s >= 0.95,
  ],
  ['abbreviation imp', '1 imp du moulin avermes', '1 impasse du Moulin 03000 Avermes', (s) => s >= 0.95],
  ['one typo', '6 allee des Tilleulls Abrest', '6 allée des Tilleuls 03200 Abrest', (s) => s >= 0.8 && s < 1],
  ['two typos', '6 alee des Tileuls Abrest', '6 allée des Tilleuls 03200 Abrest', (s) => s >= 0.8 && s < 1],
  [
    'transposition',
    '12 bis boulevard de Courtias Montlucon',
    '12 bis boulevard de Courtais 03100 Montluçon',
    (s) => s >= 0.8 && s < 1,
  ],
  ['glued words', '6 allée desTilleuls Abrest', '6 allée des Tilleuls 03200 Abrest', (s) => s >= 0.9],
  [
    'number + bis',
    '12 bis boulevard de Courtais 03100 Montluçon',
    '12 bis boulevard de Courtais 03100 Montluçon',
    (s) => s === 1,
  ],
  [
    'number + b glued',
    '12b boulevard de courtais 03100 montlucon',
    '12 bis boulevard de Courtais 03100 Montluçon',
    (s) => s === 1,
  ],
  [
    'number without rep',
    '12 boulevard de Courtais 03100 Montluçon',
    '12 boulevard de Courtais 03100 Montluçon',
    (s) => s === 1,
  ],
  ['number + ter glued', '4ter rue Pasteur 03300 Cusset', '4 ter rue Pasteur 03300 Cusset', (s) => s === 1],
  [
    'missing number: nearest, below 0.8',
    '13 boulevard de Courtais 03100 Montluçon',
    '12 boulevard de Courtais 03100 Montluçon',
    (s) => s < 0.8,
  ],
  [
    'no number: street, below 0.8',
    'allée des Tilleuls Abrest',
    '6 allée des Tilleuls 03200 Abrest',
    (s) => s < 0.8,
  ],
];

describe('address search: a table of queries', () => {
  for (const [name, q, want, ok] of CASES)
    test(`${name}: "${q}"`, () => {
      const hits = ix.search(q);
      assert.ok(hits.length, `no result for ${q}`);
      assert.equal(hits[0]!.label, want, JSON.stringify(hits.slice(0, 3).map((h) => [h.label, h.score])));
      assert.equal(hits[0]!.cle_interop_adr, id(want));
      assert.ok(ok(hits[0]!.score), `score ${hits[0]!.score} for "${q}"`);
      for (const h of hits) assert.ok(h.score >= 0 && h.score <= 1);
      for (let i = 1; i < hits.length; i++)
        assert.ok(hits[i - 1]!.score >= hits[i]!.score, 'ranked by score');
    });

  test('postcode only: the communes of that postcode, the larger first, each by its central address', () => {
    const hits = ix.search('03200');
    assert.deepEqual(
      hits.map((h) => [h.city, h.type]),
      [
        ['Vichy', 'municipality'],
        ['Abrest', 'municipality'],
      ],
    );
    // Vichy's addresses are at lon 3.008…3.011: the central one is the 2nd or 3rd
    assert.ok(["5 rue de l'Église 03200 Vichy", "7 rue de l'Église 03200 Vichy"].includes(hits[0]!.label));
    assert.ok(hits[0]!.score < 0.8, 'a commune is not an address');
  });

  test('commune only: that commune, by its central address', () => {
    const hits = ix.search('Montluçon');
    assert.equal(hits[0]!.city, 'Montluçon');
    assert.equal(hits[0]!.type, 'municipality');
    assert.ok(hits[0]!.score > 0.5 && hits[0]!.score < 0.8, String(hits[0]!.score));
    assert.equal(ix.search('Saint-Pourçain-sur-Sioule')[0]!.city, 'Saint-Pourçain-sur-Sioule');
  });

  test('best(): the shortcut for an exact label answers what search() answers', () => {
    for (const a of A) {
      for (const q of [
        a.label,
        a.label.toUpperCase(),
        a.label.normalize('NFD').replace(/[\u0300-\u036f]/g, ''),
      ]) {
        const [first] = ix.search(q, { limit: 1 });
        assert.deepEqual(ix.best(q), first ?? null, q);
      }
    }
    assert.equal(ix.best('xqzj wvpk'), null);
    assert.deepEqual(ix.best('10 rte de vichy'), ix.search('10 rte de vichy', { limit: 1 })[0]);
    assert.equal(ix.best(A[0]!.label, { citycode: '99999' }), null);
  });

  test('best(): a label that does not name its commune is searched, not taken as sure', () => {
    // a register whose labels stop at the street: search scores them below 1 (no locality)
    const bare = {
      ...rec(16, null, 'boulevard de Courtais', '03100', '03185', 'Montluçon'),
      label: '16 boulevard de Courtais',
    };
    const withBare = new AddressIndex([...A, bare]);
    const [first] = withBare.search(bare.label, { limit: 1 });
    assert.equal(first!.cle_interop_adr, bare.id);
    assert.ok(first!.score < 1, String(first!.score));
    assert.deepEqual(withBare.best(bare.label), first);
  });

  test('nonsense finds nothing', () => {
    assert.deepEqual(ix.search('xqzj wvpk'), []);
    assert.deepEqual(ix.search('!!! ???'), []);
  });

  test('the same street in two communes without a commune is a guess: below 0.8', () => {
    const hits = ix.search('10 route de Vichy');
    assert.equal(hits.length, 2);
    assert.ok(
      hits.every((h) => h.score < 0.8),
      JSON.stringify(hits.map((h) => h.score)),
    );
    assert.equal(ix.search('10 route de Vichy Cusset')[0]!.city, 'Cusset');
    assert.equal(ix.search('10 route de Vichy Cusset')[0]!.score, 1);
  });

  test('citycode restricts the search to one commune', () => {
    const hits = ix.search('10 route de Vichy', { citycode: '03095' });
    assert.deepEqual(
      hits.map((h) => h.citycode),
      ['03095'],
    );
  });

  test('every label finds itself first with score 1', () => {
    for (const a of A) {
      const h = ix.search(a.label)[0]!;
      assert.equal(h.cle_interop_adr, a.id, a.label);
      assert.equal(h.score, 1, a.label);
    }
  });
});

describe('AddressIndex.build: in slices, the same index', () => {
  // more addresses than one slice, on streets and communes enough for every loop to pause
  const many: AddressRecord[] = [];
  const streets = [
    'rue des Tilleuls',
    'avenue de Vichy',
    'chemin du Moulin',
    'place de la Mairie',
    'rue Pasteur',
  ];
  for (let c = 0; c < 60; c++)
    for (let i = 0; i < 900; i++) {
      const insee = `03${String(100 + c).padStart(3, '0')}`;
      many.push(
        rec(
          (i % 180) + 1,
          i % 7 === 0 ? 'bis' : null,
          `${streets[i % 5]} ${Math.floor(i / 180)}`,
          '03000',
          insee,
          `Commune${c}`,
        ),
      );
    }

  test('the event loop runs while it builds, and it answers like the index built at once', async () => {
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    const sliced = await AddressIndex.build(many);
    clearInterval(tick);
    assert.ok(turns >= 2, `the event loop turned ${turns} times during the build`);
    const whole = new AddressIndex(many);
    assert.equal(sliced.size, whole.size);
    assert.equal(sliced.streetCount, whole.streetCount);
    assert.equal(sliced.communeCount, whole.communeCount);
    for (const q of [
      '12 rue des Tilleuls 2 Commune7',
      'avenue de vichy 3 commune12',
      '5 bis chemin du moulin 0 03000',
      'Commune59',
      'rue pasteru 4 Commune3',
    ])
      assert.deepEqual(sliced.search(q, { limit: 5 }), whole.search(q, { limit: 5 }), q);
  });
});

describe('TopK: the k best candidates of a search', () => {
  test('what sorting them all (score down, street up) and keeping k gives, ties included', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(rnd() * 80);
      const k = 1 + Math.floor(rnd() * 30);
      // few distinct scores, so that ties at the k-th place are common
      const xs = Array.from({ length: n }, (_, i) => ({
        street: (i * 37) % 101,
        pre: Math.floor(rnd() * 6) / 2,
      }));
      const top = new TopK(k);
      for (const x of xs) top.offer(x.street, x.pre);
      const expected = [...xs].sort((a, b) => b.pre - a.pre || a.street - b.street).slice(0, k);
      assert.deepEqual(top.best(), expected, `round ${round}`);
    }
  });
});

test('labelsSpread: n labels spread over the index, or all of them', () => {
  const ten = new AddressIndex(A.slice(0, 10));
  assert.deepEqual(
    [...ten.labelsSpread(4)],
    [0, 2, 5, 7].map((i) => A[i]!.label),
  );
  assert.deepEqual(
    [...ten.labelsSpread(20)],
    A.slice(0, 10).map((r) => r.label),
  );
  assert.deepEqual([...new AddressIndex([]).labelsSpread(5)], []);
});
