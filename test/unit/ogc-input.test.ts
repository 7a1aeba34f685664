import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clampLimit,
  clampToL93Domain,
  decodeCursor,
  encodeCursor,
  MAX_LIMIT,
  parseCrs84Bbox,
} from '../../src/ogc/ogc-input.js';
import { featureCollectionText, featureText } from '../../src/ogc/ogc-documents.js';

const BBOXES: [string, [number, number, number, number] | RegExp][] = [
  ['2.5,46.2,2.6,46.3', [2.5, 46.2, 2.6, 46.3]],
  [' 2.5 , 46.2 , 2.6 , 46.3 ', [2.5, 46.2, 2.6, 46.3]],
  ['-180,-90,180,90', [-180, -90, 180, 90]],
  ['1e0,46,2,4.7e1', [1, 46, 2, 47]],
  ['2.5,46.2,2.6', /expected 4 numbers/],
  ['2.5,46.2,2.6,46.3,7', /expected 4 numbers/],
  ['2.5,46.2,0,2.6,46.3,10', /expected 4 numbers \(CRS84 has no vertical axis\), got 6/],
  ['2.5,46.2,2.6,', /expected 4 numbers/],
  ['a,b,c,d', /expected 4 numbers/],
  ['2.5,46.2,Infinity,46.3', /expected 4 numbers/],
  ['', /expected 4 numbers/],
  ['2.6,46.2,2.5,46.3', /minLon < maxLon, got 2.6 and 2.5/],
  ['2.5,46.2,2.5,46.3', /minLon < maxLon/],
  ['2.5,46.3,2.6,46.2', /minLat < maxLat, got 46.3 and 46.2/],
  ['-181,46,2,47', /longitudes in −180…180/],
  ['2,46,3,91', /latitudes in −90…90/],
];

for (const [text, expected] of BBOXES)
  test(`ogc bbox "${text}"`, () => {
    if (expected instanceof RegExp) assert.throws(() => parseCrs84Bbox(text), expected);
    else assert.deepEqual(parseCrs84Bbox(text), expected);
  });

test('ogc bbox: cut to the Lambert-93 domain, null when outside it', () => {
  assert.deepEqual(clampToL93Domain([2.5, 46.2, 2.6, 46.3]), [2.5, 46.2, 2.6, 46.3]);
  assert.deepEqual(clampToL93Domain([-180, -90, 180, 90]), [-20, 30, 30, 65]);
  assert.equal(clampToL93Domain([100, 10, 101, 11]), null);
  assert.equal(clampToL93Domain([30, 46, 31, 47]), null, 'touching the edge only');
});

test('ogc limit: default, kept, lowered to the maximum', () => {
  assert.equal(clampLimit(undefined), 100);
  assert.equal(clampLimit(7), 7);
  assert.equal(clampLimit(MAX_LIMIT), MAX_LIMIT);
  assert.equal(clampLimit(MAX_LIMIT + 1), MAX_LIMIT);
  assert.equal(clampLimit(1e20), MAX_LIMIT);
});

test('ogc cursor: round trip, and anything else refused', () => {
  for (const c of [
    { dir: 'after', id: 'ABCD2345KMNP' },
    { dir: 'before', id: 'reseau_de_chaleur-12' },
    { dir: 'after', id: '03185_0420_00012:b' },
  ] as const)
    assert.deepEqual(decodeCursor(encodeCursor(c)), c);
  for (const bad of [
    '',
    'QUJD',
    '!!!',
    Buffer.from('x:ABC').toString('base64url'),
    `${encodeCursor({ dir: 'after', id: 'A' })}=`,
  ])
    assert.throws(() => decodeCursor(bad), /cursor: expected/, bad);
});

test('ogc documents: a FeatureCollection around feature texts, valid JSON', () => {
  const f1 = '{"type" : "Feature", "id" : "A", "geometry" : null, "properties" : {"x" : 1}}';
  const text = featureCollectionText({
    features: [f1, f1.replace('"A"', '"B"')],
    links: [{ href: 'http://h/ogc/collections/c/items', rel: 'self' }],
    numberMatched: 2,
    timeStamp: '2026-01-01T00:00:00.000Z',
  });
  const doc = JSON.parse(text);
  assert.equal(doc.type, 'FeatureCollection');
  assert.equal(doc.numberReturned, 2);
  assert.equal(doc.numberMatched, 2);
  assert.deepEqual(
    doc.features.map((f: { id: string }) => f.id),
    ['A', 'B'],
  );
  const empty = JSON.parse(featureCollectionText({ features: [], links: [], timeStamp: 't' }));
  assert.deepEqual(empty.features, []);
  assert.equal('numberMatched' in empty, false);
  assert.deepEqual(JSON.parse(featureText(f1, [{ href: 'u', rel: 'self' }])).links, [
    { href: 'u', rel: 'self' },
  ]);
});
