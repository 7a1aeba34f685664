import type { Geom } from './wkt.js';

const TYPE: Record<Geom['kind'], number> = {
  POINT: 1,
  LINESTRING: 2,
  POLYGON: 3,
  MULTIPOINT: 4,
  MULTILINESTRING: 5,
  MULTIPOLYGON: 6,
};
const SRID_FLAG = 0x20000000;

function sizeOf(g: Geom, multi: boolean): number {
  let n = 9; // order + type + srid
  const pathBytes = (p: number[]) => 4 + p.length * 8;
  switch (g.kind) {
    case 'POINT':
      return multi ? n + 4 + 5 + 16 : n + 16;
    case 'LINESTRING':
      return multi ? n + 4 + 5 + pathBytes(g.parts[0]![0]!) : n + pathBytes(g.parts[0]![0]!);
    case 'MULTIPOINT':
      return n + 4 + (g.parts[0]![0]!.length / 2) * 21;
    case 'POLYGON':
      n += multi ? 4 + 5 + 4 : 4;
      for (const r of g.parts[0]!) n += pathBytes(r);
      return n;
    case 'MULTILINESTRING':
      n += 4;
      for (const p of g.parts) n += 5 + pathBytes(p[0]!);
      return n;
    case 'MULTIPOLYGON':
      n += 4;
      for (const poly of g.parts) {
        n += 5 + 4;
        for (const r of poly) n += pathBytes(r);
      }
      return n;
  }
}

/**
 * Hex EWKB (little-endian, with SRID) of a geometry, what PostGIS reads fastest in COPY.
 * `multi` promotes single geometries to their MULTI kind.
 */
let scratch = new ArrayBuffer(1 << 16);
let view = new DataView(scratch);

export function toHexEwkb(g: Geom, srid: number, multi = false): string {
  const size = sizeOf(g, multi);
  if (size > scratch.byteLength) {
    scratch = new ArrayBuffer(size * 2);
    view = new DataView(scratch);
  }
  const dv = view;
  let o = 0;
  const header = (type: number, withSrid: boolean) => {
    dv.setUint8(o++, 1);
    dv.setUint32(o, withSrid ? type | SRID_FLAG : type, true);
    o += 4;
    if (withSrid) {
      dv.setUint32(o, srid, true);
      o += 4;
    }
  };
  const u32 = (v: number) => {
    dv.setUint32(o, v, true);
    o += 4;
  };
  const coords = (p: number[]) => {
    for (let i = 0; i < p.length; i++) {
      dv.setFloat64(o, p[i]!, true);
      o += 8;
    }
  };
  const path = (p: number[]) => {
    u32(p.length / 2);
    coords(p);
  };
  const promote = multi && (g.kind === 'POINT' || g.kind === 'LINESTRING' || g.kind === 'POLYGON');
  header(promote ? TYPE[g.kind] + 3 : TYPE[g.kind], true);
  if (promote) {
    u32(1);
    header(TYPE[g.kind], false);
  }
  switch (g.kind) {
    case 'POINT':
      coords(g.parts[0]![0]!);
      break;
    case 'LINESTRING':
      path(g.parts[0]![0]!);
      break;
    case 'MULTIPOINT': {
      const p = g.parts[0]![0]!;
      u32(p.length / 2);
      for (let i = 0; i < p.length; i += 2) {
        header(1, false);
        coords([p[i]!, p[i + 1]!]);
      }
      break;
    }
    case 'POLYGON':
      u32(g.parts[0]!.length);
      for (const r of g.parts[0]!) path(r);
      break;
    case 'MULTILINESTRING':
      u32(g.parts.length);
      for (const p of g.parts) {
        header(2, false);
        path(p[0]!);
      }
      break;
    case 'MULTIPOLYGON':
      u32(g.parts.length);
      for (const poly of g.parts) {
        header(3, false);
        u32(poly.length);
        for (const r of poly) path(r);
      }
      break;
  }
  return Buffer.from(scratch, 0, o).toString('hex');
}
