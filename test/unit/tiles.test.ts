import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { lonLatToLambert93 } from '../../src/geo/crs.js';
import { LruCache } from '../../src/tiles/lru-cache.js';
import {
  checkTile,
  TileInputError,
  tileBboxL93,
  tileBoundsWgs84,
  tileOf,
  type TileId,
} from '../../src/tiles/tile-coords.js';
import { encodeFeatures } from '../../src/tiles/tile-encoders.js';
import { TileService } from '../../src/tiles/tile-service.js';

describe('tile coordinates', () => {
  test('checkTile: zoom 0..22, x and y in 0..2^z-1', () => {
    for (const [t, ok] of [
      [{ z: 0, x: 0, y: 0 }, true],
      [{ z: 22, x: 4194303, y: 4194303 }, true],
      [{ z: 23, x: 0, y: 0 }, false],
      [{ z: -1, x: 0, y: 0 }, false],
      [{ z: 1.5, x: 0, y: 0 }, false],
      [{ z: 2, x: 4, y: 0 }, false],
      [{ z: 2, x: 0, y: 4 }, false],
      [{ z: 2, x: -1, y: 0 }, false],
      [{ z: 2, x: 3, y: 3 }, true],
    ] as [TileId, boolean][]) {
      if (ok) assert.deepEqual(checkTile(t), t);
      else assert.throws(() => checkTile(t), TileInputError, JSON.stringify(t));
    }
  });

  test('tileOf and tileBoundsWgs84 agree; Paris at z10', () => {
    const [lon, lat] = [3.3333, 46.5667];
    for (const z of [0, 5, 13, 16, 22]) {
      const t = tileOf(lon, lat, z);
      const [w, s, e, n] = tileBoundsWgs84(t);
      assert.ok(w <= lon && lon < e && s < lat && lat <= n, `z${z}`);
    }
    assert.deepEqual(tileOf(2.3522, 48.8566, 10), { z: 10, x: 518, y: 352 }); // Paris
    assert.deepEqual(tileOf(0, 0, 1), { z: 1, x: 1, y: 1 });
  });

  test('tileBboxL93 covers the tile (with its buffer); null far from France', () => {
    const t = tileOf(3.3333, 46.5667, 14);
    const box = tileBboxL93(t)!;
    const [w, s, e, n] = tileBoundsWgs84(t);
    for (const [lon, lat] of [
      [w, s],
      [w, n],
      [e, s],
      [e, n],
      [(w + e) / 2, n],
    ] as const) {
      const [x, y] = lonLatToLambert93(lon, lat);
      assert.ok(box[0] < x && x < box[2] && box[1] < y && y < box[3]);
    }
    assert.equal(tileBboxL93(tileOf(140, -35, 8)), null); // Australia
    assert.ok(tileBboxL93({ z: 0, x: 0, y: 0 }), 'the world tile holds France');
  });
});

describe('tile encoding (geojson-vt + vt-pbf) and cache', () => {
  test('one MVT v2 layer named like the route, extent 4096, properties kept, nulls absent', () => {
    const t = tileOf(3.3333, 46.5667, 16);
    const [w, s, e, n] = tileBoundsWgs84(t);
    const [cx, cy] = [(w + e) / 2, (s + n) / 2];
    const d = (e - w) / 10;
    const body = encodeFeatures('buildings', t, [
      {
        type: 'Feature',
        properties: { batid: 'ABCDEFGHJKMN', classe_dpe: 'F', nb_log: 12, taux: 0.5 },
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [cx - d, cy - d],
              [cx + d, cy - d],
              [cx + d, cy + d],
              [cx - d, cy + d],
              [cx - d, cy - d],
            ],
          ],
        },
      },
      {
        type: 'Feature',
        properties: { batid: 'PQRSTVWXYZ12' },
        geometry: { type: 'Point', coordinates: [cx, cy] },
      },
    ]);
    const vt = new VectorTile(new PbfReader(body));
    assert.deepEqual(Object.keys(vt.layers), ['buildings']);
    const l = vt.layers.buildings!;
    assert.equal(l.version, 2);
    assert.equal(l.extent, 4096);
    assert.equal(l.length, 2);
    assert.deepEqual(
      { ...l.feature(0).properties },
      { batid: 'ABCDEFGHJKMN', classe_dpe: 'F', nb_log: 12, taux: 0.5 },
    );
    assert.equal(l.feature(0).type, 3);
    assert.equal(l.feature(1).type, 1);
    const [p] = l.feature(1).loadGeometry()[0]!;
    assert.ok(Math.abs(p!.x - 2048) <= 1 && Math.abs(p!.y - 2048) <= 1, `${p!.x},${p!.y}`);
    // nothing in the tile: empty
    assert.equal(encodeFeatures('buildings', t, []).byteLength, 0);
    const far = tileOf(3.5, 46.6, 16);
    const [fw, fs] = tileBoundsWgs84(far);
    assert.equal(
      encodeFeatures('buildings', t, [
        { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [fw + 1e-4, fs + 1e-4] } },
      ]).byteLength,
      0,
    );
  });

  test('ETag: stable per version and tile, different otherwise', () => {
    const t = { z: 14, x: 8343, y: 5784 };
    const a = TileService.etagOf('3:1', 'buildings', t);
    assert.match(a, /^"[A-Za-z0-9_-]+"$/);
    assert.equal(TileService.etagOf('3:1', 'buildings', t), a);
    assert.notEqual(TileService.etagOf('4:1', 'buildings', t), a);
    assert.notEqual(TileService.etagOf('3:2', 'buildings', t), a);
    assert.notEqual(TileService.etagOf('3:1', 'networks', t), a);
    assert.notEqual(TileService.etagOf('3:1', 'buildings', { ...t, y: 5785 }), a);
  });

  test('LRU: bounded by bytes, least recently used out first', () => {
    const c = new LruCache<Uint8Array>(10);
    c.set('a', new Uint8Array(4));
    c.set('b', new Uint8Array(4));
    assert.ok(c.get('a')); // a is now the most recent
    c.set('c', new Uint8Array(4)); // 12 bytes > 10: b goes
    assert.equal(c.get('b'), undefined);
    assert.ok(c.get('a') && c.get('c'));
    c.set('big', new Uint8Array(50)); // larger than the cache: kept alone
    assert.equal(c.size, 1);
    c.clear();
    assert.equal(c.size, 0);
  });
});
