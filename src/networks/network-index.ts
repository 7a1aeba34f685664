/**
 * The heat networks held in memory for eligibility: the lines of the open traced networks
 * (existing, under construction) in a grid of segments, and the polygons (PDP, construction
 * zones, communes) in a grid of bounding boxes, all in Lambert-93 metres. A place is a point or a
 * building footprint; `evidence` finds what decide() (eligibility-rules.ts) needs in a few
 * microseconds, so a bulk test never queries the database for the geometry.
 */
import {
  eachSegment,
  pointInPolygon,
  pointSegmentDistance,
  polygonsIntersect,
  polygonsOf,
  segmentSegmentDistance,
} from '../geo/planar.js';
import { bbox, type Geom } from '../geo/wkt.js';
import { FAR_M, type Evidence, type NearNetwork, type NetworkRef } from './eligibility-rules.js';

export type NetworkLayer = 'reseau_de_chaleur' | 'reseau_de_froid' | 'reseau_en_construction' | 'pdp';

export interface NetworkFeature {
  layer: NetworkLayer;
  ref: NetworkRef;
  communes: string[];
  hasTrace: boolean | null;
  open: boolean | null;
  isZone: boolean | null;
  /** A PDP's networks (reseau_de_chaleur_ids / reseau_en_construction_ids). */
  pdpNetworkIds: number[];
  pdpFutureIds: number[];
  /** Lambert-93. */
  geom: Geom;
}

export interface CommuneArea {
  code: string;
  geom: Geom;
}

export type Place = { kind: 'point'; x: number; y: number } | { kind: 'footprint'; geom: Geom };

export interface PlaceEvidence extends Evidence {
  /** An untraced network exists in the place's commune (reported whatever the type). */
  untracedInCommune: boolean;
}

const LINE_CELL_M = 500;
const AREA_CELL_M = 2000;
const cellKey = (cx: number, cy: number) => cx * 1_000_000 + cy;

type Box = [number, number, number, number];

function placeBox(p: Place): Box {
  return p.kind === 'point' ? [p.x, p.y, p.x, p.y] : bbox(p.geom);
}

/** Distance from a place to one segment. */
function placeSegmentDistance(p: Place, ax: number, ay: number, bx: number, by: number): number {
  if (p.kind === 'point') return pointSegmentDistance(p.x, p.y, ax, ay, bx, by);
  if (pointInPolygon(ax, ay, p.geom)) return 0;
  let d = Infinity;
  eachSegment(p.geom, (cx, cy, dx, dy) => {
    if (d > 0) d = Math.min(d, segmentSegmentDistance(ax, ay, bx, by, cx, cy, dx, dy));
  });
  return d;
}

/** Segments of a set of line features, gridded. */
class LineSet {
  private readonly seg: number[] = [];
  private readonly owner: number[] = [];
  private readonly grid = new Map<number, number[]>();
  private stamp: Int32Array = new Int32Array(0);
  private tick = 0;

  constructor(readonly features: readonly NetworkFeature[]) {
    features.forEach((f, fi) =>
      eachSegment(f.geom, (ax, ay, bx, by) => {
        const s = this.owner.length;
        this.seg.push(ax, ay, bx, by);
        this.owner.push(fi);
        const [x0, x1] = [Math.min(ax, bx), Math.max(ax, bx)];
        const [y0, y1] = [Math.min(ay, by), Math.max(ay, by)];
        for (let cx = Math.floor(x0 / LINE_CELL_M); cx <= Math.floor(x1 / LINE_CELL_M); cx++)
          for (let cy = Math.floor(y0 / LINE_CELL_M); cy <= Math.floor(y1 / LINE_CELL_M); cy++) {
            const k = cellKey(cx, cy);
            const cell = this.grid.get(k);
            if (cell) cell.push(s);
            else this.grid.set(k, [s]);
          }
      }),
    );
    this.stamp = new Int32Array(this.owner.length);
  }

  /** The nearest feature within maxM of the place (ties: lowest id_fcu). */
  nearest(p: Place, maxM: number): NearNetwork | null {
    const [x0, y0, x1, y1] = placeBox(p);
    this.tick++;
    let best = -1;
    let bestD = Infinity;
    for (let cx = Math.floor((x0 - maxM) / LINE_CELL_M); cx <= Math.floor((x1 + maxM) / LINE_CELL_M); cx++)
      for (
        let cy = Math.floor((y0 - maxM) / LINE_CELL_M);
        cy <= Math.floor((y1 + maxM) / LINE_CELL_M);
        cy++
      ) {
        const cell = this.grid.get(cellKey(cx, cy));
        if (!cell) continue;
        for (const s of cell) {
          if (this.stamp[s] === this.tick) continue;
          this.stamp[s] = this.tick;
          const o = s * 4;
          const d = placeSegmentDistance(
            p,
            this.seg[o]!,
            this.seg[o + 1]!,
            this.seg[o + 2]!,
            this.seg[o + 3]!,
          );
          const fi = this.owner[s]!;
          if (
            d < bestD ||
            (d === bestD && best >= 0 && this.features[fi]!.ref.id_fcu < this.features[best]!.ref.id_fcu)
          ) {
            bestD = d;
            best = fi;
          }
        }
      }
    if (best < 0 || bestD > maxM) return null;
    return { network: this.features[best]!.ref, distanceM: bestD };
  }
}

/** Distance from a place to one feature, whatever its kind (0 inside a polygon). */
function featureDistance(p: Place, f: NetworkFeature): number {
  if (polygonsOf(f.geom).length && placeInPolygon(p, f.geom)) return 0;
  let d = Infinity;
  eachSegment(f.geom, (ax, ay, bx, by) => {
    d = Math.min(d, placeSegmentDistance(p, ax, ay, bx, by));
  });
  return d;
}

function placeInPolygon(p: Place, g: Geom): boolean {
  return p.kind === 'point' ? pointInPolygon(p.x, p.y, g) : polygonsIntersect(p.geom, g);
}

/** Polygons gridded by bounding box. */
class AreaSet<T extends { geom: Geom }> {
  private readonly boxes: Box[];
  private readonly grid = new Map<number, number[]>();

  constructor(readonly items: readonly T[]) {
    this.boxes = items.map((it) => bbox(it.geom));
    this.boxes.forEach(([x0, y0, x1, y1], i) => {
      for (let cx = Math.floor(x0 / AREA_CELL_M); cx <= Math.floor(x1 / AREA_CELL_M); cx++)
        for (let cy = Math.floor(y0 / AREA_CELL_M); cy <= Math.floor(y1 / AREA_CELL_M); cy++) {
          const k = cellKey(cx, cy);
          const cell = this.grid.get(k);
          if (cell) cell.push(i);
          else this.grid.set(k, [i]);
        }
    });
  }

  /** The first item (in the order given) the place is in or touches. */
  containing(p: Place): T | null {
    const [x0, y0, x1, y1] = placeBox(p);
    const cx0 = Math.floor(x0 / AREA_CELL_M);
    const cy0 = Math.floor(y0 / AREA_CELL_M);
    const cx1 = Math.floor(x1 / AREA_CELL_M);
    const cy1 = Math.floor(y1 / AREA_CELL_M);
    // the first item (lowest index) that holds the place; a point lies in one cell, where no
    // item comes twice (this runs for every row of a bulk job: no Set for it)
    const seen = cx0 === cx1 && cy0 === cy1 ? null : new Set<number>();
    let first = -1;
    for (let cx = cx0; cx <= cx1; cx++)
      for (let cy = cy0; cy <= cy1; cy++)
        for (const i of this.grid.get(cellKey(cx, cy)) ?? []) {
          if (first !== -1 && i >= first) continue;
          if (seen) {
            if (seen.has(i)) continue;
            seen.add(i);
          }
          const b = this.boxes[i]!;
          if (b[0] > x1 || b[2] < x0 || b[1] > y1 || b[3] < y0) continue;
          if (placeInPolygon(p, this.items[i]!.geom)) first = i;
        }
    return first === -1 ? null : this.items[first]!;
  }
}

const isOpen = (f: NetworkFeature) => f.open !== false;
const isPolygon = (f: NetworkFeature) => polygonsOf(f.geom).length > 0;
const isPoint = (f: NetworkFeature) => f.geom.kind === 'POINT' || f.geom.kind === 'MULTIPOINT';

export class NetworkIndex {
  private readonly existing: LineSet;
  private readonly future: LineSet;
  private readonly pdps: AreaSet<NetworkFeature>;
  private readonly zones: AreaSet<NetworkFeature>;
  private readonly communeAreas: AreaSet<CommuneArea>;
  private readonly untraced = new Map<string, NetworkRef>();
  private readonly byLayerId = new Map<string, NetworkFeature>();
  private readonly bySncu = new Map<string, NetworkFeature[]>();

  constructor(features: readonly NetworkFeature[], communes: readonly CommuneArea[] = []) {
    const sorted = [...features].sort((a, b) => a.ref.id_fcu - b.ref.id_fcu);
    for (const f of sorted) {
      this.byLayerId.set(`${f.layer}:${f.ref.id_fcu}`, f);
      if (f.layer === 'reseau_de_chaleur' && f.ref.sncu_id) {
        const k = f.ref.sncu_id.toUpperCase();
        this.bySncu.set(k, [...(this.bySncu.get(k) ?? []), f]);
      }
    }
    const heat = sorted.filter((f) => f.layer === 'reseau_de_chaleur' && isOpen(f));
    const untraced = heat.filter((f) => f.hasTrace === false || (f.hasTrace === null && isPoint(f)));
    this.existing = new LineSet(heat.filter((f) => !untraced.includes(f)));
    for (const f of untraced)
      for (const c of f.communes) if (!this.untraced.has(c)) this.untraced.set(c, f.ref);
    const building = sorted.filter((f) => f.layer === 'reseau_en_construction' && isOpen(f));
    const zone = (f: NetworkFeature) => f.isZone === true || (f.isZone === null && isPolygon(f));
    this.future = new LineSet(building.filter((f) => !zone(f)));
    this.zones = new AreaSet(building.filter((f) => zone(f) && isPolygon(f)));
    this.pdps = new AreaSet(sorted.filter((f) => f.layer === 'pdp' && isPolygon(f)));
    this.communeAreas = new AreaSet([...communes]);
  }

  /** The commune whose boundary (loaded with the networks) holds the point, if any. */
  communeAt(x: number, y: number): string | null {
    return this.communeAreas.containing({ kind: 'point', x, y })?.code ?? null;
  }

  /** Everything the FCU decision needs about a place; `commune` is its INSEE code when known. */
  evidence(p: Place, commune: string | null): PlaceEvidence {
    const pdp = this.pdps.containing(p);
    const zone = this.zones.containing(p);
    const code = commune ?? (p.kind === 'point' ? this.communeAt(p.x, p.y) : null);
    const untraced = code ? (this.untraced.get(code) ?? null) : null;
    return {
      pdp: pdp ? { network: this.pdpNetwork(pdp, p) } : null,
      existing: this.existing.nearest(p, FAR_M),
      future: this.future.nearest(p, FAR_M),
      zone: zone?.ref ?? null,
      untraced,
      untracedInCommune: untraced !== null,
    };
  }

  /**
   * The network a PDP stands for at a place: the nearest of its own networks (its
   * reseau_de_chaleur_ids / reseau_en_construction_ids), else of the networks with its SNCU id,
   * else the nearest existing network.
   */
  private pdpNetwork(pdp: NetworkFeature, p: Place): NearNetwork | null {
    let candidates = [
      ...pdp.pdpNetworkIds.map((id) => this.byLayerId.get(`reseau_de_chaleur:${id}`)),
      ...pdp.pdpFutureIds.map((id) => this.byLayerId.get(`reseau_en_construction:${id}`)),
    ].filter((f): f is NetworkFeature => f !== undefined);
    if (!candidates.length && pdp.ref.sncu_id)
      candidates = this.bySncu.get(pdp.ref.sncu_id.toUpperCase()) ?? [];
    if (!candidates.length) return this.existing.nearest(p, FAR_M);
    let best: NearNetwork | null = null;
    for (const f of candidates) {
      const d = featureDistance(p, f);
      if (!best || d < best.distanceM) best = { network: f.ref, distanceM: d };
    }
    return best;
  }
}
