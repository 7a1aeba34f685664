/**
 * OGC API Features over the store: the extents of the collections (computed from the data, kept
 * per data version), a page of items, one item. Knows nothing of HTTP; features come back as
 * GeoJSON text written by the database (ogc-collections.ts), not parsed here.
 */
import type { Bbox } from '../buildings/locate.js';
import type { Store } from '../store/store.js';
import { COLLECTIONS, SqlParams, type CollectionDef, type CollectionId } from './ogc-collections.js';
import { clampToL93Domain, OgcInputError, type Cursor } from './ogc-input.js';
import { VERSION_SQL } from '../tiles/tile-service.js';

export interface ItemsQuery {
  /** CRS84, as parsed (not yet cut to the Lambert-93 domain). */
  bbox: Bbox | null;
  limit: number;
  cursor: Cursor | null;
}

export interface ItemsPage {
  /** GeoJSON Feature texts, in id order. */
  features: string[];
  /** Where the next and the previous pages start (null: none). */
  next: Cursor | null;
  prev: Cursor | null;
  /** Features matched by the whole query: on the first page only (a count costs a scan of the bbox). */
  numberMatched?: number;
}

/** The data version: the last finished import (BDNB or BAN) and the last networks import. */

/** A Lambert-93 box in WGS84: its outline densified (a point every km) and projected, then boxed. */
const extentSql = (def: CollectionDef) => `
  SELECT ST_XMin(w) AS x0, ST_YMin(w) AS y0, ST_XMax(w) AS x1, ST_YMax(w) AS y1
    FROM (SELECT ST_Transform(ST_Segmentize(ST_SetSRID(e, 2154), 1000), 4326) AS w
            FROM (${def.extentSql}) s WHERE e IS NOT NULL) t`;

const down7 = (x: number) => Math.floor(x * 1e7) / 1e7;
const up7 = (x: number) => Math.ceil(x * 1e7) / 1e7;

export class OgcService {
  private extents: { version: string; boxes: Promise<Map<CollectionId, Bbox | null>> } | null = null;

  constructor(private readonly store: Store) {}

  /** Each collection's extent (CRS84, rounded outwards to 7 decimals; null when it is empty). */
  async collectionExtents(): Promise<Map<CollectionId, Bbox | null>> {
    const [r] = await this.store.query<{ v: string }>(VERSION_SQL);
    const version = String(r!.v);
    if (this.extents?.version !== version) {
      const boxes = this.computeExtents();
      this.extents = { version, boxes };
      // a failure is not kept: the next call computes again
      boxes.catch(() => {
        if (this.extents?.boxes === boxes) this.extents = null;
      });
    }
    return this.extents.boxes;
  }

  private async computeExtents(): Promise<Map<CollectionId, Bbox | null>> {
    const out = new Map<CollectionId, Bbox | null>();
    for (const def of Object.values(COLLECTIONS)) {
      const [e] = await this.store.query<{ x0: number; y0: number; x1: number; y1: number }>(extentSql(def));
      out.set(def.id, e ? [down7(e.x0), down7(e.y0), up7(e.x1), up7(e.y1)] : null);
    }
    return out;
  }

  /** One page of a collection's features in id order, with the cursors of its neighbours. */
  async items(def: CollectionDef, q: ItemsQuery): Promise<ItemsPage> {
    let key = null;
    if (q.cursor) {
      const values = def.keyOf(q.cursor.id);
      if (!values) throw new OgcInputError(`cursor: not a position in collection ${def.id}`);
      key = { op: q.cursor.dir === 'after' ? ('>' as const) : ('<' as const), values };
    }
    const bbox = q.bbox && clampToL93Domain(q.bbox);
    // a bbox outside the Lambert-93 domain holds nothing
    if (q.bbox && !bbox) return { features: [], next: null, prev: null, numberMatched: 0 };
    const fromEnd = q.cursor?.dir === 'before';
    const p = new SqlParams();
    const rows = await this.store.query<{ id: string; f: string }>(
      def.featuresSql({ bbox, key, limit: q.limit + 1, fromEnd }, p),
      p.values,
    );
    const more = rows.length > q.limit;
    const page = more ? (fromEnd ? rows.slice(1) : rows.slice(0, q.limit)) : rows;
    const first = page[0]?.id;
    const last = page[page.length - 1]?.id;
    const after = (id: string | undefined): Cursor | null => (id === undefined ? null : { dir: 'after', id });
    const before = (id: string | undefined): Cursor | null =>
      id === undefined ? null : { dir: 'before', id };
    const result: ItemsPage = {
      features: page.map((r) => r.f),
      // read backwards from a cursor: what follows is at least that cursor's feature
      next: fromEnd || more ? after(last) : null,
      prev: (fromEnd && more) || (!fromEnd && q.cursor) ? before(first) : null,
    };
    if (!q.cursor) {
      const c = new SqlParams();
      const [n] = await this.store.query<{ n: number }>(def.countSql(bbox, c), c.values);
      result.numberMatched = Number(n?.n ?? 0);
    }
    return result;
  }

  /** One feature by its id (GeoJSON text), or null when the collection has none with that id. */
  async item(def: CollectionDef, featureId: string): Promise<string | null> {
    const values = def.keyOf(featureId);
    if (!values) return null;
    const p = new SqlParams();
    const rows = await this.store.query<{ f: string }>(
      def.featuresSql({ bbox: null, key: { op: '=', values }, limit: 1, fromEnd: false }, p),
      p.values,
    );
    return rows[0]?.f ?? null;
  }
}
