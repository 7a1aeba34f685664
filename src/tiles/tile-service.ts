/**
 * Vector tiles of a store (contract §3, `GET /tiles/{layer}/{z}/{x}/{y}.pbf`): the layer's query
 * (tile-layers.ts) for the tile's Lambert-93 box and départements, encoded by the backend's
 * encoder (tile-encoders.ts), kept in an LRU of encoded tiles keyed by data version + tile.
 *
 * The data version is read from the database (the last finished import run — BDNB or BAN — and
 * the last networks import) at most once per second, so an import by another process shows
 * within a second; a new version empties the cache and changes every ETag.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../store/store.js';
import { ensureBuildingTable } from './building-table.js';
import { ensureCommuneAreas } from './commune-areas.js';
import { encodeInJs, encodeWithPostgis, type LayerParams } from './tile-encoders.js';
import { bboxesIntersect, tileBboxL93, tileSizeM, type TileId, type TileLayer } from './tile-coords.js';
import { LAYERS } from './tile-layers.js';
import { LruCache } from './lru-cache.js';

/** How long (ms) a version check holds. */
const VERSION_CHECK_MS = 1000;
/** Encoded tiles kept in memory. */
const CACHE_BYTES = 128 * 1024 * 1024;
/** Around a département's extent (m): commune hulls are buffered, BAN points may stray a little. */
const DEPT_MARGIN_M = 1000;
/** Line and polygon simplification, as a fraction of the tile's side (~4 units of 4096). */
const SIMPLIFY_FRACTION = 1 / 1024;

/** The data version: last finished import and last networks import (caches keyed on it). */
export const VERSION_SQL = `
  SELECT (SELECT coalesce(max(run_id), 0) FROM batid.import_run WHERE status = 'done') || ':' ||
         (SELECT coalesce(max(version), 0) FROM fcu.import) AS v`;

/** Each département's extent in Lambert-93, from its footprints, addresses and IRIS. */
const DEPT_EXTENTS_SQL = `
  SELECT d, min(ST_XMin(e)) AS x0, min(ST_YMin(e)) AS y0, max(ST_XMax(e)) AS x1, max(ST_YMax(e)) AS y1
    FROM (SELECT code_departement_insee AS d, ST_Extent(geom_cstr)::geometry AS e FROM bdnb.batiment_construction GROUP BY 1
          UNION ALL
          SELECT code_departement_insee, ST_Extent(geom_adresse)::geometry FROM bdnb.adresse GROUP BY 1
          UNION ALL
          SELECT code_departement_insee, ST_Extent(geom)::geometry FROM ban.adresse GROUP BY 1
          UNION ALL
          SELECT code_departement_insee, ST_Extent(geom_iris)::geometry FROM bdnb.referentiel_administratif_iris GROUP BY 1) x
   WHERE e IS NOT NULL
   GROUP BY d ORDER BY d`;

export interface Tile {
  /** Quoted, for the ETag header. */
  etag: string;
  /** The encoded tile; null when the tile is empty (204). */
  body: Uint8Array | null;
}

interface DeptExtent {
  code: string;
  box: [number, number, number, number];
}

export class TileService {
  private readonly cache = new LruCache<Uint8Array>(CACHE_BYTES);
  private version: string | null = null;
  private checkedAt = 0;
  private checking: Promise<void> | null = null;
  private depts: DeptExtent[] = [];
  private readonly built = new Map<TileLayer, { version: string; ready: Promise<void> }>();

  constructor(private readonly store: Store) {}

  /** The data version tiles are made from now (checked at most once per second). */
  async dataVersion(): Promise<string> {
    if (this.version === null || Date.now() - this.checkedAt > VERSION_CHECK_MS) {
      this.checking ??= this.check().finally(() => (this.checking = null));
      await this.checking;
    }
    return this.version!;
  }

  private async check(): Promise<void> {
    const [r] = await this.store.query<{ v: string }>(VERSION_SQL);
    const v = String(r!.v);
    if (v !== this.version) {
      const depts = (
        await this.store.query<{ d: string; x0: number; y0: number; x1: number; y1: number }>(
          DEPT_EXTENTS_SQL,
        )
      ).map((x) => ({
        code: x.d,
        box: [x.x0 - DEPT_MARGIN_M, x.y0 - DEPT_MARGIN_M, x.x1 + DEPT_MARGIN_M, x.y1 + DEPT_MARGIN_M] as [
          number,
          number,
          number,
          number,
        ],
      }));
      this.cache.clear();
      this.depts = depts;
      this.version = v;
    }
    this.checkedAt = Date.now();
  }

  /** An import ran in this process: the next call reads the version again. */
  invalidate(): void {
    this.checkedAt = 0;
  }

  /** Empties the tile cache (benchmarks: a cold cache). */
  clearCache(): void {
    this.cache.clear();
  }

  /** The ETag of a tile: from the data version and the tile, known before the tile is made. */
  static etagOf(version: string, layer: TileLayer, t: TileId): string {
    const h = createHash('sha1').update(`${version}|${layer}/${t.z}/${t.x}/${t.y}`).digest('base64url');
    return `"${h.slice(0, 22)}"`;
  }

  /** The ETag the tile has now (a conditional request needs no tile). */
  async etag(layer: TileLayer, t: TileId): Promise<string> {
    return TileService.etagOf(await this.dataVersion(), layer, t);
  }

  async tile(layer: TileLayer, t: TileId): Promise<Tile> {
    const version = await this.dataVersion();
    const etag = TileService.etagOf(version, layer, t);
    const key = `${version}|${layer}/${t.z}/${t.x}/${t.y}`;
    let body = this.cache.get(key);
    if (body === undefined) {
      body = await this.make(layer, t, version);
      // a tile made while an import changed the version is not kept under the old key
      if (this.version === version) this.cache.set(key, body);
    }
    return { etag, body: body.byteLength ? body : null };
  }

  private async make(layer: TileLayer, t: TileId, version: string): Promise<Uint8Array> {
    const spec = LAYERS[layer];
    const empty = new Uint8Array(0);
    if (t.z < spec.minZoom || t.z > spec.maxZoom) return empty;
    const box = tileBboxL93(t);
    if (!box) return empty;
    const depts = this.depts.filter((d) => bboxesIntersect(d.box, box)).map((d) => d.code);
    if (spec.byDept && !depts.length) return empty;
    if (layer === 'communes') await this.derived('communes', version, ensureCommuneAreas);
    // the buildings come from the imports only (not from the networks)
    if (layer === 'buildings') await this.derived('buildings', version.split(':')[0]!, ensureBuildingTable);
    const tolerance = t.z >= 14 ? 0 : tileSizeM(t.z) * SIMPLIFY_FRACTION;
    const params: LayerParams = [...box, depts.join(','), tolerance, t.z, t.x, t.y];
    return this.store.kind === 'postgres'
      ? encodeWithPostgis(this.store, layer, spec, params)
      : encodeInJs(this.store, layer, spec, params);
  }

  /** A derived table (tiles.building, tiles.commune) built from `version`, once per process. */
  private derived(
    layer: TileLayer,
    version: string,
    ensure: (store: Store, version: string) => Promise<void>,
  ): Promise<void> {
    let d = this.built.get(layer);
    if (d?.version !== version) {
      const ready = ensure(this.store, version);
      this.built.set(layer, (d = { version, ready }));
      // a failed build is tried again by the next request
      ready.catch(() => {
        if (this.built.get(layer)?.ready === ready) this.built.delete(layer);
      });
    }
    return d.ready;
  }
}

const services = new WeakMap<Store, TileService>();

export function tileServiceOf(store: Store): TileService {
  let s = services.get(store);
  if (!s) services.set(store, (s = new TileService(store)));
  return s;
}
