// Property-based tests (issue 9 §3, hostile input) of the WKT reader/writer and the EWKB writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseWkt, toWkt, type Geom, type GeomKind } from '../../src/geo/wkt.js';
import { toHexEwkb } from '../../src/geo/wkb.js';
import { fuzz, textOf, timed } from '../helpers/fuzz.js';

/** Finite coordinates: any double (but -0, written "0"), metres and degrees. */
const coord = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v)),
  fc.integer({ min: -1_000_000, max: 8_000_000 }),
  fc.double({ min: -180, max: 180, noNaN: true }).map((v) => (v === 0 ? 0 : v)),
);
const path = (min: number) =>
  fc.array(fc.tuple(coord, coord), { minLength: min, maxLength: min + 5 }).map((pts) => pts.flat());
const ring = path(3).map((p) => [...p, p[0]!, p[1]!]);
const rings = fc.array(ring, { minLength: 1, maxLength: 3 });

const geom: fc.Arbitrary<Geom> = fc.oneof(
  path(1).map((p) => ({ kind: 'POINT' as const, parts: [[p.slice(0, 2)]] })),
  path(2).map((p) => ({ kind: 'LINESTRING' as const, parts: [[p]] })),
  path(1).map((p) => ({ kind: 'MULTIPOINT' as const, parts: [[p]] })),
  rings.map((r) => ({ kind: 'POLYGON' as const, parts: [r] })),
  fc.array(path(2), { minLength: 1, maxLength: 3 }).map((ps) => ({
    kind: 'MULTILINESTRING' as const,
    parts: ps.map((p) => [p]),
  })),
  fc
    .array(rings, { minLength: 1, maxLength: 3 })
    .map((polys) => ({ kind: 'MULTIPOLYGON' as const, parts: polys })),
);

const MULTI: Partial<Record<GeomKind, GeomKind>> = {
  POINT: 'MULTIPOINT',
  LINESTRING: 'MULTILINESTRING',
  POLYGON: 'MULTIPOLYGON',
};

test('fuzz wkt: parseWkt(toWkt(g)) gives g back, also promoted to MULTI and with an SRID', () => {
  fc.assert(
    fc.property(geom, fc.constantFrom(2154, 4326), (g, srid) => {
      assert.deepEqual(parseWkt(toWkt(g)), { ok: true, geom: g });
      assert.deepEqual(parseWkt(toWkt(g, true)), {
        ok: true,
        geom: { kind: MULTI[g.kind] ?? g.kind, parts: g.parts },
      });
      assert.deepEqual(parseWkt(`SRID=${srid};${toWkt(g)}`), { ok: true, geom: { ...g, srid } });
    }),
    fuzz(300),
  );
});

test('fuzz wkt: spacing, case and a Z coordinate do not change what is read', () => {
  fc.assert(
    fc.property(
      geom,
      fc.constantFrom('', ' ', '\n', '\t  ', '\r\n'),
      fc.boolean(),
      fc.boolean(),
      (g, pad, lower, z) => {
        let text = toWkt(g);
        if (z) text = text.replace(/([^\s(),]+) ([^\s(),]+)/g, '$1 $2 -12.5').replace(/^([A-Z]+)/, '$1 Z ');
        text = text.replace(/([(,])/g, `$1${pad}`).replace(/\)/g, `${pad})`);
        if (lower) text = text.toLowerCase();
        assert.deepEqual(parseWkt(`${pad}${text}${pad}`), { ok: true, geom: g }, text);
      },
    ),
    fuzz(300),
  );
});

/** Ways a number is written in the exports: shortest, fixed, exponent, padded. */
const numeral = fc
  .tuple(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom('string', 'fixed', 'exp', 'precision', 'padded'),
    fc.integer({ min: 0, max: 100 }), // every digit count toFixed/toExponential/toPrecision can write
  )
  .map(([v, how, k]) => {
    if (how === 'fixed' && Math.abs(v) < 1e21) return v.toFixed(k);
    if (how === 'exp') return v.toExponential(k);
    if (how === 'precision') return v.toPrecision(Math.max(k, 1));
    if (how === 'padded' && v >= 0 && v < 1e21) return `000${v.toFixed(Math.min(k, 6))}`;
    return String(v);
  })
  .filter((s) => Number.isFinite(Number(s))); // "-2e+308" (toPrecision of -1.7e308) is refused, rightly

test('fuzz wkt: every well-formed numeral is read exactly as Number() reads it', () => {
  fc.assert(
    fc.property(numeral, numeral, (a, b) => {
      const r = parseWkt(`POINT(${a} ${b})`);
      assert.deepEqual(
        r,
        { ok: true, geom: { kind: 'POINT', parts: [[[Number(a), Number(b)]]] } },
        `${a} ${b}`,
      );
    }),
    fuzz(500),
  );
});

const WKT_TOKENS = [
  'POINT',
  'LINESTRING',
  'POLYGON',
  'MULTIPOINT',
  'MULTIPOLYGON',
  'MULTILINESTRING',
  'GEOMETRYCOLLECTION',
  ' Z',
  ' M',
  ' ZM',
  ' EMPTY',
  'SRID=2154;',
  'SRID=;',
  '(',
  '(',
  ')',
  ')',
  ',',
  ',',
  ' ',
  ' ',
  '1',
  '0',
  '-',
  '.',
  'e',
  '+',
  '12.5',
  '1e308',
  '1e309',
  '\n',
  'x',
  '"',
  '\u0000',
  '0 0,1 0,1 1,0 0',
  '1'.repeat(400),
];

/** What a successful read promises: a known kind, finite 2D coordinates, closed rings of 4+ points. */
function assertWellFormed(g: Geom): void {
  assert.ok(
    ['POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON'].includes(g.kind),
  );
  assert.ok(g.parts.length > 0);
  for (const part of g.parts) {
    assert.ok(part.length > 0);
    for (const p of part) {
      assert.ok(p.length >= 2 && p.length % 2 === 0);
      for (const v of p) assert.ok(Number.isFinite(v), `coordinate ${v} is finite`);
      if (g.kind.endsWith('POLYGON')) {
        assert.ok(p.length >= 8);
        assert.deepEqual(p.slice(-2), p.slice(0, 2));
      }
    }
  }
}

test('fuzz wkt: arbitrary text gives a well-formed geometry, EMPTY or an error message; never throws', () => {
  const text = fc.oneof(textOf(WKT_TOKENS, 40), fc.string({ unit: 'binary', maxLength: 200 }));
  fc.assert(
    fc.property(text, (s) => {
      const r = timed('parseWkt', () => parseWkt(s));
      if (!r.ok) {
        assert.equal(typeof r.error, 'string');
        assert.ok(r.error.length > 0);
        return;
      }
      if (r.geom === null) return assert.match(s, /EMPTY/i);
      assertWellFormed(r.geom);
      // what was read is written back to an equivalent text
      const { srid: _srid, ...plain } = r.geom;
      assert.deepEqual(parseWkt(toWkt(r.geom)), { ok: true, geom: plain });
    }),
    fuzz(1000),
  );
});

test('fuzz wkt: a long input is read in linear time', () => {
  const ringText = Array.from({ length: 20_000 }, (_, i) => `${i} ${i % 7}`).join(',');
  const r = timed('parseWkt 20 000 points', () => parseWkt(`POLYGON((${ringText},0 0))`), 2000);
  assert.ok(r.ok);
  const open = timed('parseWkt unbalanced', () => parseWkt('MULTIPOLYGON'.concat('('.repeat(100_000))), 2000);
  assert.equal(open.ok, false);
});

/** A small EWKB reader (little-endian), to check the writer against. */
function readEwkb(hex: string): { srid: number | undefined; geom: Geom } {
  const b = Buffer.from(hex, 'hex');
  let o = 0;
  const u32 = () => ((o += 4), b.readUInt32LE(o - 4));
  const f64 = () => ((o += 8), b.readDoubleLE(o - 8));
  const header = () => {
    assert.equal(b[o++], 1, 'little-endian');
    const t = u32();
    const srid = t & 0x20000000 ? u32() : undefined;
    return { type: t & 0xff, srid };
  };
  const points = (n: number) => Array.from({ length: 2 * n }, f64);
  const linestring = () => points(u32());
  const polygon = () => Array.from({ length: u32() }, linestring);
  const members = <T>(type: number, read: () => T) =>
    Array.from({ length: u32() }, () => {
      assert.equal(header().type, type);
      return read();
    });
  const { type, srid } = header();
  const kinds: GeomKind[] = [
    'POINT',
    'LINESTRING',
    'POLYGON',
    'MULTIPOINT',
    'MULTILINESTRING',
    'MULTIPOLYGON',
  ];
  const kind = kinds[type - 1]!;
  let parts: number[][][];
  if (type === 1) parts = [[points(1)]];
  else if (type === 2) parts = [[linestring()]];
  else if (type === 3) parts = [polygon()];
  else if (type === 4) parts = [[members(1, () => points(1)).flat()]];
  else if (type === 5) parts = members(2, linestring).map((p) => [p]);
  else parts = members(3, polygon);
  assert.equal(o, b.length, 'no trailing bytes');
  return { srid, geom: { kind, parts } };
}

test('fuzz wkb: the hex EWKB of a geometry decodes to the same geometry and SRID', () => {
  fc.assert(
    fc.property(geom, fc.boolean(), (g, multi) => {
      const hex = toHexEwkb(g, 2154, multi);
      assert.match(hex, /^([0-9a-fA-F]{2})+$/);
      const want = multi ? { kind: MULTI[g.kind] ?? g.kind, parts: g.parts } : g;
      assert.deepEqual(readEwkb(hex), { srid: 2154, geom: want });
    }),
    fuzz(300),
  );
});

// Bugs found by the properties above, kept as focused regression tests.

test('wkt: a decimal with more than 22 digits after the point is read as a number, not NaN', () => {
  for (const n of ['0.000000000000000000000001', '0.00000000000000000000000']) {
    assert.deepEqual(parseWkt(`POINT(${n} 1)`), {
      ok: true,
      geom: { kind: 'POINT', parts: [[[Number(n), 1]]] },
    });
  }
});

test('wkt: text that is not a number is refused, not read as 0 or split in two', () => {
  for (const [s, error] of [
    ['POINT(. 1)', '"." at character 7 is not a number'],
    ['POINT(-. 1)', '"-." at character 7 is not a number'],
    ['POINT(1.2.3 4)', '"1.2.3" at character 7 is not a number'],
    ['LINESTRING(1 2,. .)', '"." at character 16 is not a number'],
  ] as const)
    assert.deepEqual(parseWkt(s), { ok: false, error }, s);
});
