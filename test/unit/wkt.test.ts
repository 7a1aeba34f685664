import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWkt, planarArea, toWkt } from '../../src/geo/wkt.js';
import { detectCrs, lambert93ToWgs84, wgs84ToLambert93 } from '../../src/geo/crs.js';

const VALID: [string, string][] = [
  ['POINT (848187.571085125 6563153.58897607)', 'POINT(848187.571085125 6563153.58897607)'],
  ['POINT(5.48 45.29)', 'POINT(5.48 45.29)'],
  ['LINESTRING (1 2,3 4)', 'LINESTRING(1 2,3 4)'],
  ['MULTIPOLYGON (((0 0,1 0,1 1,0 0)))', 'MULTIPOLYGON(((0 0,1 0,1 1,0 0)))'],
  [
    'POLYGON((0 0,2 0,2 2,0 0),(0.5 0.2,1 0.2,1 0.5,0.5 0.2))',
    'POLYGON((0 0,2 0,2 2,0 0),(0.5 0.2,1 0.2,1 0.5,0.5 0.2))',
  ],
  ['SRID=2154;POINT(1 2)', 'POINT(1 2)'],
  ['POINT Z (1 2 3)', 'POINT(1 2)'],
  [
    'multipolygon(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))',
    'MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))',
  ],
  ['MULTIPOINT((1 2),(3 4))', 'MULTIPOINT(1 2,3 4)'],
  ['MULTILINESTRING((1 2,3 4),(5 6,7 8))', 'MULTILINESTRING((1 2,3 4),(5 6,7 8))'],
  ['POINT (1e3 -2.5E-1)', 'POINT(1000 -0.25)'],
  // more decimals than the fast path's powers of ten (22): read by Number(), not NaN
  ['POINT(0.000000000000000000000001 1)', 'POINT(1e-24 1)'],
  ['POINT(2.0000000000000000000000000000 46.500000000000000000000000001)', 'POINT(2 46.5)'],
  ['POINT(+1 .5)', 'POINT(1 0.5)'],
];
for (const [input, output] of VALID) {
  test(`wkt: reads ${input}`, () => {
    const r = parseWkt(input);
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(toWkt(r.geom!), output);
  });
}

const INVALID: [string, RegExp][] = [
  ['POLYGON((0 0,1 0,1 1,0 0)', /expected "\)"/],
  ['POLYGON((0 0,1 0,1 1,2 2))', /not closed/],
  ['POLYGON((0 0,1 0,0 0))', /at least 4/],
  ['LINESTRING(1 2)', /at least 2/],
  ['CIRCLE(1 2)', /unknown geometry type/],
  ['POINT(1 abc)', /expected a number/],
  ['POINT(1 2) trailing', /unexpected text/],
  ['', /unknown geometry type/],
  ['POINT(1 2,3 4)', /exactly one coordinate/],
  // not numbers: no longer read as 0 or split in two; the position is in the text as given
  ['POINT(. 1)', /^"\." at character 7 is not a number$/],
  ['POINT(-. 1)', /^"-\." at character 7 is not a number$/],
  ['POINT(1.2.3 4)', /^"1\.2\.3" at character 7 is not a number$/],
  ['POINT(1e 4)', /^"1e" at character 7 is not a number$/],
  ['POINT(12abc 4)', /^"12abc" at character 7 is not a number$/],
  ['POINT(1e999 4)', /^"1e999" at character 7 is out of the range of a number$/],
  [' SRID=4326;POINT(1 x)', /expected a number at character 20/],
];
for (const [input, err] of INVALID) {
  test(`wkt: rejects ${JSON.stringify(input)}`, () => {
    const r = parseWkt(input);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, err);
  });
}

test('wkt: EMPTY is no geometry', () => {
  assert.deepEqual(parseWkt('MULTIPOLYGON EMPTY'), { ok: true, geom: null });
  assert.deepEqual(parseWkt('POINT EMPTY'), { ok: true, geom: null });
});

test('wkt: polygon promoted to multipolygon', () => {
  const r = parseWkt('POLYGON((0 0,1 0,1 1,0 0))');
  assert.ok(r.ok);
  assert.equal(toWkt(r.geom!, true), 'MULTIPOLYGON(((0 0,1 0,1 1,0 0)))');
});

test('wkt: planar area subtracts holes; zero for degenerate rings', () => {
  const a = parseWkt('POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 2,1 1))');
  assert.ok(a.ok);
  assert.equal(planarArea(a.geom!), 99);
  const flat = parseWkt('POLYGON((0 0,1 0,2 0,0 0))');
  assert.ok(flat.ok);
  assert.equal(planarArea(flat.geom!), 0);
});

test('crs: detects WGS84 and Lambert-93 from coordinates, refuses others', () => {
  const g = (t: string) => {
    const r = parseWkt(t);
    assert.ok(r.ok);
    return r.geom!;
  };
  assert.equal(detectCrs(g('POINT(5.48 45.29)')), 4326);
  assert.equal(detectCrs(g('POINT(848187.57 6563153.58)')), 2154);
  assert.equal(detectCrs(g('POINT(4000000 100)')), null);
});

test('crs: WGS84 → Lambert-93 agrees with PostGIS to the centimetre', () => {
  // PostGIS: ST_Transform('SRID=4326;POINT(6.135212 44.070028)', 2154) = 951088.5, 6335099.35 (BAN row 04001)
  const r = parseWkt('POINT(6.135212 44.070028)');
  assert.ok(r.ok);
  const [x, y] = wgs84ToLambert93(r.geom!).parts[0]![0]!;
  assert.ok(Math.abs(x! - 951088.5) < 0.1, `x ${x}`);
  assert.ok(Math.abs(y! - 6335099.35) < 0.1, `y ${y}`);
  const [lon, lat] = lambert93ToWgs84(951088.5, 6335099.35);
  assert.ok(Math.abs(lon - 6.135212) < 1e-5 && Math.abs(lat - 44.070028) < 1e-5);
});
