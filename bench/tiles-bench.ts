/**
 * `npm run bench -- tiles [--scale 1] [--backends embedded,postgres] [--tiles 40] [--seed 1]`
 *
 * Vector tiles (issue 7): building tiles z13–z16 over a synthetic département (seed 1), in
 * process (TileService.tile, as the route calls it, without HTTP). Per zoom, `tiles` tiles that
 * hold buildings, drawn with a seeded generator from the footprints; each made once with a
 * fresh tile cache (cold: query + encoding) and then again from the cache (warm); p50/p95 per
 * zoom and backend. The version check and the départements' extents, and the first tile (which
 * builds tiles.building when it is not built for this import yet), are timed apart, before. The databases are the API benchmark's (bench-lib.ts).
 * Goals (issue 7): p95 cold < 50 ms PostgreSQL, < 150 ms embedded; warm < 5 ms.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lambert93ToWgs84 } from '../src/geo/crs.js';
import { tileOf, type TileId } from '../src/tiles/tile-coords.js';
import { TileService } from '../src/tiles/tile-service.js';
import { ensureImported, inProcessBench, OUT } from './bench-lib.js';
import { machine } from './machine.js';

const ZOOMS = [13, 14, 15, 16];
const GOAL_COLD_MS = { postgres: 50, embedded: 150 } as const;
const GOAL_WARM_MS = 5;

/** mulberry32: a small seeded generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (ms: number) => Math.round(ms * 10) / 10;

export async function run(args: string[]): Promise<void> {
  const { values, data, targets } = await inProcessBench(args, {
    tiles: { type: 'string', default: '40' },
    seed: { type: 'string', default: '1' },
  });
  const scale = values.scale;
  const perZoom = Number(values.tiles);
  const results: Record<string, unknown> = {
    machine: machine(),
    scale,
    tiles_per_zoom: perZoom,
    seed: values.seed,
  };
  console.log(
    `tiles bench: ${machine()}; scale ${scale}, ${perZoom} building tiles per zoom, seed ${values.seed}`,
  );
  for (const t of targets) {
    await ensureImported(t, data);
    const store = await t.open();
    try {
      // footprints' points, in a stable order; the sample is drawn from them with the seed
      const points = await store.copyOut<[string, string]>(
        `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(c.geom_cstr) AS p
           FROM bdnb.batiment_construction c
           JOIN batid.building b ON b.batiment_construction_id = c.batiment_construction_id
                                AND b.code_departement_insee = c.code_departement_insee AND b.status = 'constructed'
          ORDER BY c.batiment_construction_id) x`,
      );
      const service = new TileService(store);
      const t0 = performance.now();
      await service.dataVersion();
      const versionMs = Math.round(performance.now() - t0);
      // tiles.building is derived once per import (building-table.ts): built here if it is not yet
      const [x0, y0] = points[0]!;
      const t1 = performance.now();
      await service.tile('buildings', tileOf(...lambert93ToWgs84(Number(x0), Number(y0)), 16));
      const derivedMs = Math.round(performance.now() - t1);
      const out: Record<string, unknown> = {
        buildings: points.length,
        first_version_check_ms: versionMs,
        first_tile_with_derived_table_ms: derivedMs,
      };
      console.log(
        `${t.backend.padEnd(8)} ${points.length} buildings; first version check + départements' extents: ${versionMs} ms; ` +
          `first tile (builds tiles.building when not built for this import): ${derivedMs} ms`,
      );
      for (const z of ZOOMS) {
        const random = rng(Number(values.seed) * 1000 + z);
        const seen = new Map<string, TileId>();
        for (let tries = 0; seen.size < perZoom && tries < perZoom * 50; tries++) {
          const [x, y] = points[Math.floor(random() * points.length)]!;
          const [lon, lat] = lambert93ToWgs84(Number(x), Number(y));
          const tile = tileOf(lon, lat, z);
          seen.set(`${tile.x}/${tile.y}`, tile);
        }
        const tiles = [...seen.values()];
        service.clearCache();
        const cold: number[] = [];
        const warm: number[] = [];
        let bytes = 0;
        for (const tile of tiles) {
          const a = performance.now();
          const r = await service.tile('buildings', tile);
          cold.push(performance.now() - a);
          bytes += r.body?.byteLength ?? 0;
        }
        for (const tile of tiles) {
          const a = performance.now();
          await service.tile('buildings', tile);
          warm.push(performance.now() - a);
        }
        cold.sort((a, b) => a - b);
        warm.sort((a, b) => a - b);
        const row = {
          tiles: tiles.length,
          mean_bytes: Math.round(bytes / tiles.length),
          cold_ms: {
            p50: round(pct(cold, 50)),
            p95: round(pct(cold, 95)),
            max: round(cold[cold.length - 1]!),
          },
          warm_ms: {
            p50: round(pct(warm, 50)),
            p95: round(pct(warm, 95)),
            max: round(warm[warm.length - 1]!),
          },
        };
        out[`z${z}`] = row;
        const goal = GOAL_COLD_MS[t.backend];
        console.log(
          `${t.backend.padEnd(8)} z${z} ${String(tiles.length).padStart(3)} tiles, ${String(Math.round(row.mean_bytes / 1024)).padStart(4)} KB avg | ` +
            `cold p50 ${row.cold_ms.p50} ms p95 ${row.cold_ms.p95} ms (goal < ${goal}: ${row.cold_ms.p95 < goal ? 'ok' : 'MISSED'}) | ` +
            `warm p50 ${row.warm_ms.p50} ms p95 ${row.warm_ms.p95} ms (goal < ${GOAL_WARM_MS}: ${row.warm_ms.p95 < GOAL_WARM_MS ? 'ok' : 'MISSED'})`,
        );
      }
      results[t.backend] = out;
    } finally {
      await store.close();
    }
  }
  const file = join(OUT, `tiles-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 17)}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`written ${file}`);
}
