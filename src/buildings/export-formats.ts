/**
 * How an exported building is written (`batid export`): pure functions, values in, text out.
 * Rows come in Lambert-93 (the storage CRS); GeoJSON and CSV are written in WGS84 (RFC 7946,
 * 7 decimals ≈ 1 cm), the GeoPackage feed stays in Lambert-93 (ogr2ogr is told its CRS).
 */
import { lambert93ToWgs84 } from '../geo/crs.js';

export const EXPORT_FORMATS = ['geojson', 'csv', 'gpkg'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A footprint as GeoJSON coordinates: a Polygon's rings or a MultiPolygon's polygons. */
export interface FootprintL93 {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: number[][][] | number[][][][];
}

/** The attributes of one building, in output order (CSV columns, GeoJSON properties). */
export interface ExportAttributes {
  batid: string;
  status: string;
  code_departement_insee: string;
  code_commune_insee: string | null;
  libelle_commune: string | null;
  batiment_groupe_id: string | null;
  batiment_construction_id: string | null;
  rnb_id: string | null;
  cle_interop_adr: string | null;
  adresse: string | null;
  usage: string | null;
  annee_construction: number | null;
  nb_log: number | null;
  classe_dpe: string | null;
  classe_dpe_2026: string | null;
  energie_chauffage: string | null;
  installation_chauffage: string | null;
  surface_m2: number | null;
}

export interface ExportRow extends ExportAttributes {
  /** the footprint as GeoJSON text in Lambert-93 (mm), exterior rings counter-clockwise */
  geojsonL93: string | null;
  /** a point surely on the footprint, Lambert-93 */
  pointL93: [number, number] | null;
}

export const ATTRIBUTE_COLUMNS = [
  'batid',
  'status',
  'code_departement_insee',
  'code_commune_insee',
  'libelle_commune',
  'batiment_groupe_id',
  'batiment_construction_id',
  'rnb_id',
  'cle_interop_adr',
  'adresse',
  'usage',
  'annee_construction',
  'nb_log',
  'classe_dpe',
  'classe_dpe_2026',
  'energie_chauffage',
  'installation_chauffage',
  'surface_m2',
] as const satisfies readonly (keyof ExportAttributes)[];

export const CSV_COLUMNS = [...ATTRIBUTE_COLUMNS, 'geometry_wkt', 'lon', 'lat'] as const;

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

/** Lambert-93 → WGS84 lon/lat, 7 decimals. */
export function toLonLat(x: number, y: number): [number, number] {
  const [lon, lat] = lambert93ToWgs84(x, y);
  return [round7(lon), round7(lat)];
}

/** The footprint reprojected to WGS84 (same nesting), 7 decimals. */
export function footprintWgs84(g: FootprintL93): FootprintL93 {
  const ring = (r: number[][]) => r.map(([x, y]) => toLonLat(x!, y!));
  const coordinates =
    g.type === 'Polygon'
      ? (g.coordinates as number[][][]).map(ring)
      : (g.coordinates as number[][][][]).map((poly) => poly.map(ring));
  return { type: g.type, coordinates };
}

function attributes(r: ExportAttributes): ExportAttributes {
  const out = {} as Record<string, unknown>;
  for (const c of ATTRIBUTE_COLUMNS) out[c] = r[c];
  return out as unknown as ExportAttributes;
}

/** The GeoJSON FeatureCollection around the features (RFC 7946: WGS84, no `crs` member). */
export const GEOJSON_HEAD = '{"type":"FeatureCollection","features":[\n';
export const GEOJSON_TAIL = '\n]}\n';

/** One Feature (WGS84), `id` = BatID; without its separator. */
export function geojsonFeature(r: ExportRow): string {
  const geometry = r.geojsonL93 ? footprintWgs84(JSON.parse(r.geojsonL93) as FootprintL93) : null;
  return JSON.stringify({ type: 'Feature', id: r.batid, properties: attributes(r), geometry });
}

/** One line of GeoJSON text sequence in Lambert-93 (the ogr2ogr feed), ending in `\n`. */
export function geojsonSeqLineL93(r: ExportRow): string {
  return `{"type":"Feature","properties":${JSON.stringify(attributes(r))},"geometry":${r.geojsonL93 ?? 'null'}}\n`;
}

/** An RFC 4180 field: quoted when it holds a comma, a quote or a line break (quotes doubled). */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/** A coordinate in WKT: plain decimals (String() writes 1e-7, which WKT readers refuse). */
function wktNumber(v: number): string {
  const s = String(v);
  return s.includes('e') ? v.toFixed(7).replace(/\.?0+$/, '') : s;
}

function ringWkt(r: number[][]): string {
  return `(${r.map(([x, y]) => `${wktNumber(x!)} ${wktNumber(y!)}`).join(',')})`;
}

/** WKT of a (multi)polygon given as GeoJSON coordinates. */
export function polygonWkt(g: FootprintL93): string {
  if (g.type === 'Polygon') return `POLYGON(${(g.coordinates as number[][][]).map(ringWkt).join(',')})`;
  const polys = (g.coordinates as number[][][][]).map((p) => `(${p.map(ringWkt).join(',')})`);
  return `MULTIPOLYGON(${polys.join(',')})`;
}

/** One CSV record (UTF-8, `,`, CRLF): the attributes, the WKT footprint and a point on it, WGS84. */
export function csvLine(r: ExportRow): string {
  const wkt = r.geojsonL93 ? polygonWkt(footprintWgs84(JSON.parse(r.geojsonL93) as FootprintL93)) : null;
  const pt = r.pointL93 ? toLonLat(...r.pointL93) : null;
  const fields = ATTRIBUTE_COLUMNS.map((c) => csvField(r[c]));
  fields.push(csvField(wkt), csvField(pt?.[0] ?? null), csvField(pt?.[1] ?? null));
  return `${fields.join(',')}\r\n`;
}
