import proj4 from 'proj4';
import { bbox, eachPath, type Geom } from './wkt.js';

/** Lambert-93 (RGF93 / Lambert-93), the storage CRS. */
export const EPSG_2154 =
  '+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs';
proj4.defs('EPSG:2154', EPSG_2154);
const toL93 = proj4('EPSG:4326', 'EPSG:2154');
const toWgs = proj4('EPSG:2154', 'EPSG:4326');

/** Metropolitan France and Corsica in Lambert-93, with a generous margin (m). */
const L93_BOUNDS = [-400_000, 5_900_000, 1_600_000, 7_300_000] as const;

export type Crs = 2154 | 4326;

/** Which CRS coordinates are in, from their ranges: lon/lat degrees or Lambert-93 metres. */
export function detectCrs(g: Geom): Crs | null {
  const [minX, minY, maxX, maxY] = bbox(g);
  if (minX >= -180 && maxX <= 180 && minY >= -90 && maxY <= 90) return 4326;
  if (minX >= L93_BOUNDS[0] && maxX <= L93_BOUNDS[2] && minY >= L93_BOUNDS[1] && maxY <= L93_BOUNDS[3])
    return 2154;
  return null;
}

/** Reprojects lon/lat (EPSG:4326) to Lambert-93 in place, rounded to the millimetre. */
export function wgs84ToLambert93(g: Geom): Geom {
  eachPath(g, (p) => {
    for (let i = 0; i < p.length; i += 2) {
      const [x, y] = toL93.forward([p[i]!, p[i + 1]!]);
      p[i] = Math.round(x! * 1000) / 1000;
      p[i + 1] = Math.round(y! * 1000) / 1000;
    }
  });
  return g;
}

export function lambert93ToWgs84(x: number, y: number): [number, number] {
  const [lon, lat] = toWgs.forward([x, y]);
  return [lon!, lat!];
}

/**
 * EPSG:2154's projection written out (Lambert conformal conic, two standard parallels, on GRS80;
 * RGF93 and WGS84 taken as one, as `+towgs84=0` says): the formulas proj4's `lcc` applies, without
 * its per-point objects — a bulk job projects every address it finds (proj4: ~1 µs and two
 * objects a point). Tested against proj4 over France.
 */
const GRS80_A = 6378137;
const GRS80_E = Math.sqrt((2 - 1 / 298.257222101) / 298.257222101);
const RAD = Math.PI / 180;
/** t(φ) of the conformal latitude (proj4's tsfnz) */
const conformalT = (phi: number) => {
  const es = GRS80_E * Math.sin(phi);
  return Math.tan(Math.PI / 4 - phi / 2) / Math.pow((1 - es) / (1 + es), GRS80_E / 2);
};
const parallelM = (phi: number) => Math.cos(phi) / Math.sqrt(1 - (GRS80_E * Math.sin(phi)) ** 2);
const L93_N =
  (Math.log(parallelM(49 * RAD)) - Math.log(parallelM(44 * RAD))) /
  (Math.log(conformalT(49 * RAD)) - Math.log(conformalT(44 * RAD)));
const L93_AF = (GRS80_A * parallelM(49 * RAD)) / (L93_N * Math.pow(conformalT(49 * RAD), L93_N));
const L93_RHO0 = L93_AF * Math.pow(conformalT(46.5 * RAD), L93_N);

/** One WGS84 point in Lambert-93 (metres, unrounded). */
export function lonLatToLambert93(lon: number, lat: number): [number, number] {
  const rho = L93_AF * Math.pow(conformalT(lat * RAD), L93_N);
  // the longitude from the central meridian, within ±180° (proj4's adjust_lon)
  let dl = (lon - 3) * RAD;
  if (Math.abs(dl) > Math.PI) dl -= Math.sign(dl) * 2 * Math.PI;
  const theta = L93_N * dl;
  return [700_000 + rho * Math.sin(theta), 6_600_000 + L93_RHO0 - rho * Math.cos(theta)];
}
