/**
 * WKT reader and writer for the geometries the BDNB and BAN files carry, in pure TypeScript:
 * values in, values out. Coordinates are kept as flat [x0, y0, x1, y1, …] arrays; Z and M are
 * read and dropped (storage is 2D).
 */
export type GeomKind = 'POINT' | 'LINESTRING' | 'POLYGON' | 'MULTIPOINT' | 'MULTILINESTRING' | 'MULTIPOLYGON';

export interface Geom {
  kind: GeomKind;
  /** POINT/MULTIPOINT/LINESTRING: parts[i][0] is one path; POLYGON: parts[0] = rings; MULTI*: one entry a member. */
  parts: number[][][];
  srid?: number;
}

export type WktResult = { ok: true; geom: Geom | null } | { ok: false; error: string };

const DEPTH: Record<GeomKind, number> = {
  POINT: 1,
  LINESTRING: 1,
  MULTIPOINT: 2,
  POLYGON: 2,
  MULTILINESTRING: 2,
  MULTIPOLYGON: 3,
};

class Reader {
  i = 0;
  /** `base`: where `s` starts in the text the caller was given, so positions refer to that text. */
  constructor(
    readonly s: string,
    readonly base = 0,
  ) {}
  /** 1-based character position of index `i` in the caller's text. */
  at(i: number): number {
    return this.base + i + 1;
  }
  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }
  peek(): string {
    this.ws();
    return this.s[this.i] ?? '';
  }
  expect(ch: string): void {
    if (this.peek() !== ch)
      throw new Error(`expected "${ch}" at character ${this.at(this.i)}, got ${this.describe()}`);
    this.i++;
  }
  describe(): string {
    return this.i >= this.s.length ? 'end of text' : `"${this.s.slice(this.i, this.i + 12)}"`;
  }
  word(): string {
    this.ws();
    const start = this.i;
    while (this.i < this.s.length && /[A-Za-z]/.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i).toUpperCase();
  }
  /**
   * One numeral: `[+-]digits[.digits][(e|E)[+-]digits]`, with at least one digit before or after
   * the point, followed by a space, `,`, `(`, `)` or the end. Anything else ("." alone, "1.2.3",
   * "1e", "1-2") is an error naming the text and where it starts; so is a value out of the range
   * of a double ("1e999").
   */
  number(): number {
    this.ws();
    const s = this.s;
    const start = this.i;
    let i = start;
    let c = s.charCodeAt(i);
    const neg = c === 45;
    if (neg || c === 43) c = s.charCodeAt(++i);
    // Fast path (Clinger): up to 15 significant digits, no exponent and at most 22 decimals, the
    // value is an exact integer mantissa divided by an exact power of ten, so one division rounds
    // it correctly, exactly as Number() would. Anything else is read by Number() from the lexeme.
    let mant = 0;
    let sig = 0;
    let digits = 0;
    let scale = 0;
    while (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      if (mant > 0) sig++;
      digits++;
      c = s.charCodeAt(++i);
    }
    if (c === 46) {
      c = s.charCodeAt(++i);
      while (c >= 48 && c <= 57) {
        mant = mant * 10 + (c - 48);
        if (mant > 0) sig++;
        scale++;
        c = s.charCodeAt(++i);
      }
    }
    if (digits + scale === 0) {
      if (i === start)
        throw new Error(`expected a number at character ${this.at(start)}, got ${this.describe()}`);
      throw this.badNumber(start);
    }
    let exp = false;
    if (c === 101 || c === 69) {
      exp = true;
      c = s.charCodeAt(++i);
      if (c === 43 || c === 45) c = s.charCodeAt(++i);
      const at = i;
      while (c >= 48 && c <= 57) c = s.charCodeAt(++i);
      if (i === at) throw this.badNumber(start);
    }
    // a numeral ends at a delimiter: "1.2.3" or "12abc" is not a number followed by another
    if (i < s.length && !(c === 32 || c === 44 || c === 41 || c === 40 || c === 9 || c === 10 || c === 13))
      throw this.badNumber(start);
    this.i = i;
    if (!exp && sig <= 15 && scale < POW10.length) {
      const v = scale === 0 ? mant : mant / POW10[scale]!;
      return neg ? -v : v;
    }
    const v = Number(s.slice(start, i));
    if (!Number.isFinite(v))
      throw new Error(
        `"${s.slice(start, i)}" at character ${this.at(start)} is out of the range of a number`,
      );
    return v;
  }
  /** The malformed numeral starting at `start` (up to the next delimiter), and where it is. */
  private badNumber(start: number): Error {
    const m = /^[^\s,()]*/.exec(this.s.slice(start, start + 40))![0];
    return new Error(`"${m}" at character ${this.at(start)} is not a number`);
  }
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

function readPath(r: Reader, dims: number): number[] {
  const out: number[] = [];
  r.expect('(');
  for (;;) {
    // MULTIPOINT members may be written "(1 2)" or "1 2"
    const paren = r.peek() === '(';
    if (paren) r.i++;
    out.push(r.number(), r.number());
    for (let d = 2; d < dims; d++) r.number();
    if (r.peek() !== ',' && r.peek() !== ')' && !paren) r.number(); // undeclared Z
    if (paren) r.expect(')');
    const c = r.peek();
    if (c === ',') {
      r.i++;
      continue;
    }
    r.expect(')');
    return out;
  }
}

function readList<T>(r: Reader, item: () => T): T[] {
  const out: T[] = [];
  r.expect('(');
  for (;;) {
    out.push(item());
    if (r.peek() === ',') {
      r.i++;
      continue;
    }
    r.expect(')');
    return out;
  }
}

function validatePath(kind: GeomKind, path: number[], ring: boolean): void {
  const n = path.length / 2;
  if (ring) {
    if (n < 4) throw new Error(`${kind} ring has ${n} points, at least 4 are needed`);
    if (path[0] !== path[path.length - 2] || path[1] !== path[path.length - 1]) {
      throw new Error(`${kind} ring is not closed (first point differs from last)`);
    }
  } else if (kind.endsWith('LINESTRING') && n < 2) {
    throw new Error(`${kind} has ${n} point, at least 2 are needed`);
  }
}

/** Reads WKT or EWKT (`SRID=4326;…`). EMPTY gives `geom: null`. Never throws. */
export function parseWkt(text: string): WktResult {
  try {
    let s = text.trim();
    let base = text.length - text.trimStart().length;
    let srid: number | undefined;
    const m = /^SRID=(\d+);/i.exec(s);
    if (m) {
      srid = Number(m[1]);
      s = s.slice(m[0].length);
      base += m[0].length;
    }
    const r = new Reader(s, base);
    const kind = r.word() as GeomKind;
    if (!(kind in DEPTH)) {
      return { ok: false, error: `unknown geometry type "${s.slice(0, 20)}"` };
    }
    let dims = 2;
    const mod = r.word();
    if (mod === 'Z' || mod === 'M') dims = 3;
    else if (mod === 'ZM') dims = 4;
    else if (mod === 'EMPTY') return { ok: true, geom: null };
    else if (mod !== '') return { ok: false, error: `unexpected "${mod}" after ${kind}` };
    if (r.word() === 'EMPTY') return { ok: true, geom: null };
    let parts: number[][][];
    switch (kind) {
      case 'POINT':
      case 'LINESTRING':
        parts = [[readPath(r, dims)]];
        if (kind === 'POINT' && parts[0]![0]!.length !== 2)
          throw new Error('POINT must have exactly one coordinate');
        break;
      case 'MULTIPOINT':
        parts = [[readPath(r, dims)]];
        break;
      case 'POLYGON':
        parts = [readList(r, () => readPath(r, dims))];
        break;
      case 'MULTILINESTRING':
        parts = readList(r, () => [readPath(r, dims)]);
        break;
      case 'MULTIPOLYGON':
        parts = readList(r, () => readList(r, () => readPath(r, dims)));
        break;
    }
    r.ws();
    if (r.i < s.length)
      throw new Error(`unexpected text after the geometry at character ${r.at(r.i)}: ${r.describe()}`);
    const ringed = kind === 'POLYGON' || kind === 'MULTIPOLYGON';
    for (const part of parts) for (const path of part) validatePath(kind, path, ringed);
    return { ok: true, geom: srid === undefined ? { kind, parts } : { kind, parts, srid } };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function fmt(v: number): string {
  // shortest round-trip text; integers stay integers
  return String(v);
}

function pathText(p: number[]): string {
  const out: string[] = new Array(p.length / 2);
  for (let i = 0; i < p.length; i += 2) out[i / 2] = `${fmt(p[i]!)} ${fmt(p[i + 1]!)}`;
  return `(${out.join(',')})`;
}

/** Writes the geometry as WKT; `asMulti` promotes POLYGON/LINESTRING/POINT to their MULTI kind. */
export function toWkt(g: Geom, asMulti = false): string {
  switch (g.kind) {
    case 'POINT':
      return asMulti ? `MULTIPOINT(${pathText(g.parts[0]![0]!)})` : `POINT${pathText(g.parts[0]![0]!)}`;
    case 'LINESTRING':
      return asMulti
        ? `MULTILINESTRING(${pathText(g.parts[0]![0]!)})`
        : `LINESTRING${pathText(g.parts[0]![0]!)}`;
    case 'MULTIPOINT':
      return `MULTIPOINT${pathText(g.parts[0]![0]!)}`;
    case 'POLYGON': {
      const body = `(${g.parts[0]!.map(pathText).join(',')})`;
      return asMulti ? `MULTIPOLYGON(${body})` : `POLYGON${body}`;
    }
    case 'MULTILINESTRING':
      return `MULTILINESTRING(${g.parts.map((p) => pathText(p[0]!)).join(',')})`;
    case 'MULTIPOLYGON':
      return `MULTIPOLYGON(${g.parts.map((poly) => `(${poly.map(pathText).join(',')})`).join(',')})`;
  }
}

/** Calls `fn` on every flat coordinate array of the geometry. */
export function eachPath(g: Geom, fn: (path: number[]) => void): void {
  for (const part of g.parts) for (const path of part) fn(path);
}

/** Planar area of (multi)polygons (each ring counted positive, holes subtracted); 0 for other kinds. */
export function planarArea(g: Geom): number {
  if (g.kind !== 'POLYGON' && g.kind !== 'MULTIPOLYGON') return 0;
  let total = 0;
  for (const poly of g.parts) {
    poly.forEach((ring, k) => {
      let a = 0;
      for (let i = 0; i + 3 < ring.length; i += 2) a += ring[i]! * ring[i + 3]! - ring[i + 2]! * ring[i + 1]!;
      total += k === 0 ? Math.abs(a) / 2 : -Math.abs(a) / 2;
    });
  }
  return total;
}

/** Bounding box [minX, minY, maxX, maxY]. */
export function bbox(g: Geom): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  eachPath(g, (p) => {
    for (let i = 0; i < p.length; i += 2) {
      const x = p[i]!;
      const y = p[i + 1]!;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  });
  return [minX, minY, maxX, maxY];
}

/** True when every exterior ring of a (multi)polygon is flat: all its points on one line. */
export function isDegeneratePolygon(g: Geom): boolean {
  if (g.kind !== 'POLYGON' && g.kind !== 'MULTIPOLYGON') return false;
  return g.parts.every((poly) => isFlat(poly[0]!));
}

function isFlat(ring: number[]): boolean {
  const x0 = ring[0]!;
  const y0 = ring[1]!;
  let i = 2;
  while (i < ring.length && ring[i] === x0 && ring[i + 1] === y0) i += 2;
  if (i >= ring.length) return true;
  const dx = ring[i]! - x0;
  const dy = ring[i + 1]! - y0;
  for (let j = i + 2; j < ring.length; j += 2) {
    if (dx * (ring[j + 1]! - y0) - dy * (ring[j]! - x0) !== 0) return false;
  }
  return true;
}
