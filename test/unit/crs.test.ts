import { test } from 'node:test';
import assert from 'node:assert/strict';
import proj4 from 'proj4';
import { EPSG_2154, lambert93ToWgs84, lonLatToLambert93 } from '../../src/geo/crs.js';

const reference = proj4('EPSG:4326', EPSG_2154);

test('lonLatToLambert93: the projection origin, and proj4 within a micrometre over France and Corsica', () => {
  const [x0, y0] = lonLatToLambert93(3, 46.5);
  assert.ok(Math.abs(x0 - 700_000) < 1e-6 && Math.abs(y0 - 6_600_000) < 1e-6, `${x0} ${y0}`);
  let worst = 0;
  for (let lon = -5.5; lon <= 10; lon += 0.05)
    for (let lat = 41; lat <= 51.5; lat += 0.05) {
      const [x, y] = lonLatToLambert93(lon, lat);
      const [rx, ry] = reference.forward([lon, lat]);
      worst = Math.max(worst, Math.abs(x - rx!), Math.abs(y - ry!));
    }
  assert.ok(worst < 1e-6, `largest gap to proj4: ${worst} m`);
});

test('lonLatToLambert93 and lambert93ToWgs84 are each other’s inverse (to a millimetre)', () => {
  for (const [lon, lat] of [
    [2.3522, 48.8566],
    [-4.486, 48.39],
    [7.75, 48.58],
    [9.45, 42.7],
    [3.3, 46.3],
  ] as const) {
    const [x, y] = lonLatToLambert93(lon, lat);
    const [lon2, lat2] = lambert93ToWgs84(x, y);
    const [x2, y2] = lonLatToLambert93(lon2, lat2);
    assert.ok(Math.hypot(x2 - x, y2 - y) < 1e-3);
  }
});

test('lonLatToLambert93: longitudes far from the central meridian wrap as proj4 does', () => {
  for (const [lon, lat] of [
    [-179, 46],
    [179, 46],
    [-180, 0],
    [180, 10],
    [-170, -30],
  ] as const) {
    const [x, y] = lonLatToLambert93(lon, lat);
    const [rx, ry] = reference.forward([lon, lat]);
    assert.ok(
      Math.abs(x - rx!) < 1e-3 && Math.abs(y - ry!) < 1e-3,
      `${lon},${lat}: ${x} ${y} against ${rx} ${ry}`,
    );
  }
});
