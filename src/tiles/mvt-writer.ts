/**
 * A Mapbox Vector Tile v2 with one layer of polygons, written straight from features already in
 * tile coordinates (pure; the embedded backend's encoder for the buildings, tile-encoders.ts).
 * It writes what PostGIS's ST_AsMVT writes for the same rows: keys and values shared in the
 * layer's tables, integers as uint/sint values, other numbers as doubles, no feature id. Every
 * message's size is computed before it is written, so the bytes are written once.
 */

export type MvtValue = string | number | boolean;

export interface MvtPolygonFeature {
  /**
   * Rings in tile coordinates as flat [x0, y0, x1, y1, …] integer lists without the closing
   * point; each exterior (positive area) followed by its holes (negative area).
   */
  rings: number[][];
  properties: Record<string, MvtValue | null | undefined>;
}

// tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited)
const TILE_LAYERS = (3 << 3) | 2;
const LAYER_VERSION = (15 << 3) | 0;
const LAYER_NAME = (1 << 3) | 2;
const LAYER_FEATURES = (2 << 3) | 2;
const LAYER_KEYS = (3 << 3) | 2;
const LAYER_VALUES = (4 << 3) | 2;
const LAYER_EXTENT = (5 << 3) | 0;
const FEATURE_TAGS = (2 << 3) | 2;
const FEATURE_TYPE = (3 << 3) | 0;
const FEATURE_GEOMETRY = (4 << 3) | 2;
const VALUE_STRING = (1 << 3) | 2;
const VALUE_DOUBLE = (3 << 3) | 1;
const VALUE_UINT = (5 << 3) | 0;
const VALUE_SINT = (6 << 3) | 0;
const VALUE_BOOL = (7 << 3) | 0;
const POLYGON = 3;
const MOVE_TO = 1;
const LINE_TO = 2;
const CLOSE_PATH = 7;

const zigzag = (n: number) => (n < 0 ? -2 * n - 1 : 2 * n);
const command = (id: number, count: number) => id | (count << 3);

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

const packedSize = (vs: readonly number[]) => {
  let n = 0;
  for (const v of vs) n += varintSize(v);
  return n;
};

const text = new TextEncoder();

class Bytes {
  buf: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  varint(v: number): void {
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  packed(vs: readonly number[]): void {
    for (const v of vs) this.varint(v);
  }
  raw(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

/** A field with its tag and length prefix: its size, and how to write it. */
const fieldSize = (tag: number, len: number) => varintSize(tag) + varintSize(len) + len;

/** The tile (empty bytes for no features): one layer named `name`. */
export function writeMvtLayer(
  name: string,
  extent: number,
  features: readonly MvtPolygonFeature[],
): Uint8Array {
  if (!features.length) return new Uint8Array(0);
  const keys = new Map<string, number>();
  const strings = new Map<string, number>();
  const numbers = new Map<number, number>();
  const booleans = new Map<boolean, number>();
  const values: MvtValue[] = [];
  const valueIndex = (v: MvtValue): number => {
    const cache = (typeof v === 'string' ? strings : typeof v === 'number' ? numbers : booleans) as Map<
      MvtValue,
      number
    >;
    let i = cache.get(v);
    if (i === undefined) {
      cache.set(v, (i = values.length));
      values.push(v);
    }
    return i;
  };
  // each feature's packed tags and geometry, and the sizes of everything
  const tags: number[][] = [];
  const geoms: number[][] = [];
  const featureSizes: number[] = [];
  let layerSize = 0;
  for (const f of features) {
    const t: number[] = [];
    for (const k in f.properties) {
      const v = f.properties[k];
      if (v === null || v === undefined) continue;
      let ki = keys.get(k);
      if (ki === undefined) keys.set(k, (ki = keys.size));
      t.push(ki, valueIndex(v));
    }
    const g: number[] = [];
    let cx = 0;
    let cy = 0;
    for (const ring of f.rings) {
      g.push(
        command(MOVE_TO, 1),
        zigzag(ring[0]! - cx),
        zigzag(ring[1]! - cy),
        command(LINE_TO, ring.length / 2 - 1),
      );
      for (let i = 2; i < ring.length; i += 2)
        g.push(zigzag(ring[i]! - ring[i - 2]!), zigzag(ring[i + 1]! - ring[i - 1]!));
      cx = ring[ring.length - 2]!;
      cy = ring[ring.length - 1]!;
      g.push(command(CLOSE_PATH, 1));
    }
    const size = fieldSize(FEATURE_TAGS, packedSize(t)) + 2 + fieldSize(FEATURE_GEOMETRY, packedSize(g));
    tags.push(t);
    geoms.push(g);
    featureSizes.push(size);
    layerSize += fieldSize(LAYER_FEATURES, size);
  }
  const nameBytes = text.encode(name);
  const keyBytes = [...keys.keys()].map((k) => text.encode(k));
  const valueBytes = values.map((v) => (typeof v === 'string' ? text.encode(v) : null));
  const valueSize = (v: MvtValue, i: number) =>
    typeof v === 'string'
      ? fieldSize(VALUE_STRING, valueBytes[i]!.length)
      : typeof v === 'boolean'
        ? 2
        : Number.isSafeInteger(v)
          ? 1 + varintSize(v < 0 ? zigzag(v) : v)
          : 9;
  layerSize +=
    varintSize(LAYER_VERSION) +
    varintSize(2) +
    fieldSize(LAYER_NAME, nameBytes.length) +
    varintSize(LAYER_EXTENT) +
    varintSize(extent);
  for (const k of keyBytes) layerSize += fieldSize(LAYER_KEYS, k.length);
  values.forEach((v, i) => (layerSize += fieldSize(LAYER_VALUES, valueSize(v, i))));

  const w = new Bytes(fieldSize(TILE_LAYERS, layerSize));
  w.varint(TILE_LAYERS);
  w.varint(layerSize);
  w.varint(LAYER_VERSION);
  w.varint(2);
  w.varint(LAYER_NAME);
  w.varint(nameBytes.length);
  w.raw(nameBytes);
  for (let i = 0; i < features.length; i++) {
    w.varint(LAYER_FEATURES);
    w.varint(featureSizes[i]!);
    w.varint(FEATURE_TAGS);
    w.varint(packedSize(tags[i]!));
    w.packed(tags[i]!);
    w.varint(FEATURE_TYPE);
    w.varint(POLYGON);
    w.varint(FEATURE_GEOMETRY);
    w.varint(packedSize(geoms[i]!));
    w.packed(geoms[i]!);
  }
  for (const k of keyBytes) {
    w.varint(LAYER_KEYS);
    w.varint(k.length);
    w.raw(k);
  }
  values.forEach((v, i) => {
    w.varint(LAYER_VALUES);
    w.varint(valueSize(v, i));
    if (typeof v === 'string') {
      w.varint(VALUE_STRING);
      w.varint(valueBytes[i]!.length);
      w.raw(valueBytes[i]!);
    } else if (typeof v === 'boolean') {
      w.varint(VALUE_BOOL);
      w.varint(v ? 1 : 0);
    } else if (Number.isSafeInteger(v)) {
      w.varint(v < 0 ? VALUE_SINT : VALUE_UINT);
      w.varint(v < 0 ? zigzag(v) : v);
    } else {
      w.varint(VALUE_DOUBLE);
      new DataView(w.buf.buffer).setFloat64(w.pos, v, true);
      w.pos += 8;
    }
  });
  w.varint(LAYER_EXTENT);
  w.varint(extent);
  if (w.pos !== w.buf.length) throw new Error(`MVT size: wrote ${w.pos} bytes, expected ${w.buf.length}`);
  return w.buf;
}
