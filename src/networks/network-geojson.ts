/**
 * Reading France Chaleur Urbaine GeoJSON (the open-data archive, one layer per file, or FCU's test
 * fixtures, one `type` property per feature) into network features in Lambert-93, pure: text in,
 * features and per-feature problems out. The CRS comes from the `crs` member, else from the
 * coordinate ranges (and is said).
 */
import { detectCrs, wgs84ToLambert93, type Crs } from '../geo/crs.js';
import type { Geom } from '../geo/wkt.js';
import type { NetworkLayer } from './network-index.js';

export interface ParsedNetwork {
  layer: NetworkLayer;
  id_fcu: number;
  sncu_id: string | null;
  name: string | null;
  operator: string | null;
  owner: string | null;
  communes_insee: string[];
  classed: boolean | null;
  has_pdp: boolean | null;
  has_trace: boolean | null;
  open_to_connections: boolean | null;
  is_zone: boolean | null;
  enrr_rate: number | null;
  co2: number | null;
  co2_acv: number | null;
  price: number | null;
  year_created: number | null;
  length_km: number | null;
  delivery_points: number | null;
  pdp_network_ids: number[];
  pdp_future_network_ids: number[];
  properties: Record<string, unknown>;
  geom: Geom;
}

export interface ParsedCommune {
  code_insee: string;
  name: string | null;
  geom: Geom;
}

export interface NetworkFileProblem {
  /** 1-based index of the feature in the file. */
  feature: number;
  reason: string;
}

export interface ParsedNetworkFile {
  crs: Crs;
  /** How the CRS was known. */
  crsFrom: 'crs member' | 'coordinates';
  networks: ParsedNetwork[];
  communes: ParsedCommune[];
  /** Features of other kinds (test points, départements…), counted by kind. */
  ignored: Record<string, number>;
  problems: NetworkFileProblem[];
}

export class NetworkFileError extends Error {}

const LAYER_OF_FILE: [RegExp, NetworkLayer][] = [
  [/reseaux?_de_chaleur/i, 'reseau_de_chaleur'],
  [/reseaux?_de_froid/i, 'reseau_de_froid'],
  [/reseaux?_en_construction|zones?_et_reseaux/i, 'reseau_en_construction'],
  [/(^|[^a-z])pdp([^a-z]|$)|perimetres?_de_developpement/i, 'pdp'],
];
const LAYER_OF_TYPE: Record<string, NetworkLayer | 'commune'> = {
  reseaudechaleur: 'reseau_de_chaleur',
  reseau_de_chaleur: 'reseau_de_chaleur',
  reseaudefroid: 'reseau_de_froid',
  reseau_de_froid: 'reseau_de_froid',
  reseauenconstruction: 'reseau_en_construction',
  reseau_en_construction: 'reseau_en_construction',
  pdp: 'pdp',
  commune: 'commune',
};

/** The layer a file name stands for, if it names one. */
export function layerOfFileName(name: string): NetworkLayer | null {
  return LAYER_OF_FILE.find(([re]) => re.test(name))?.[1] ?? null;
}

function crsOfMember(crs: unknown): Crs | null {
  const name = (crs as { properties?: { name?: unknown } } | undefined)?.properties?.name;
  if (typeof name !== 'string') return null;
  if (/2154/.test(name)) return 2154;
  if (/4326|CRS84/i.test(name)) return 4326;
  throw new NetworkFileError(`unsupported CRS "${name}" (expected EPSG:2154 or WGS84)`);
}

type Pos = number[];
function flat(coords: unknown, what: string): number[] {
  if (!Array.isArray(coords)) throw new Error(`${what}: coordinates missing`);
  const out: number[] = [];
  for (const p of coords as Pos[]) {
    if (
      !Array.isArray(p) ||
      typeof p[0] !== 'number' ||
      typeof p[1] !== 'number' ||
      !isFinite(p[0]) ||
      !isFinite(p[1])
    )
      throw new Error(`${what}: bad position ${JSON.stringify(p)}`);
    out.push(p[0], p[1]);
  }
  return out;
}

/** GeoJSON geometry → Geom (flat paths), or an error message. */
export function geomOfGeoJson(g: unknown): Geom {
  const o = g as { type?: unknown; coordinates?: unknown } | null;
  if (!o || typeof o !== 'object') throw new Error('geometry missing');
  const c = o.coordinates as unknown[];
  switch (o.type) {
    case 'Point':
      return { kind: 'POINT', parts: [[flat([c], 'Point')]] };
    case 'MultiPoint':
      return { kind: 'MULTIPOINT', parts: (c ?? []).map((p) => [flat([p], 'MultiPoint')]) };
    case 'LineString':
      return { kind: 'LINESTRING', parts: [[flat(c, 'LineString')]] };
    case 'MultiLineString':
      return { kind: 'MULTILINESTRING', parts: (c ?? []).map((l) => [flat(l, 'MultiLineString')]) };
    case 'Polygon':
      return { kind: 'POLYGON', parts: [(c ?? []).map((r) => flat(r, 'Polygon'))] };
    case 'MultiPolygon':
      return {
        kind: 'MULTIPOLYGON',
        parts: (c ?? []).map((p) => (p as unknown[]).map((r) => flat(r, 'MultiPolygon'))),
      };
    default:
      throw new Error(`unsupported geometry type ${JSON.stringify(o.type)}`);
  }
}

/** Property lookup tolerant of case and stray spaces in names ("reseaux classes "). */
function getter(props: Record<string, unknown>): (...names: string[]) => unknown {
  const norm = new Map<string, unknown>();
  for (const [k, v] of Object.entries(props)) norm.set(k.trim().toLowerCase(), v);
  return (...names) => {
    for (const n of names) {
      const v = norm.get(n.toLowerCase());
      if (v !== undefined && v !== null && v !== '') return v;
    }
    return null;
  };
}

function bool(v: unknown): boolean | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['true', 't', '1', 'oui', 'yes', 'checked'].includes(s)) return true;
  if (['false', 'f', '0', 'non', 'no'].includes(s)) return false;
  return null;
}

function num(v: unknown): number | null {
  if (v === null) return null;
  const n = typeof v === 'number' ? v : Number(String(v).trim().replace(',', '.'));
  return Number.isFinite(n) ? n : null;
}

function text(v: unknown): string | null {
  return v === null ? null : String(v).trim() || null;
}

function codes(v: unknown): string[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
  const s = String(v).trim();
  if (s.startsWith('[') || s.startsWith('{'))
    return s
      .slice(1, -1)
      .split(',')
      .map((x) => x.replace(/["\s]/g, ''))
      .filter(Boolean);
  return s.split(/[,;\s]+/).filter(Boolean);
}

function ids(v: unknown): number[] {
  return codes(v)
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

const LINE_KINDS = new Set(['LINESTRING', 'MULTILINESTRING', 'POINT', 'MULTIPOINT']);
const AREA_KINDS = new Set(['POLYGON', 'MULTIPOLYGON']);

function checkKind(layer: NetworkLayer, g: Geom): string | null {
  if (layer === 'pdp' && !AREA_KINDS.has(g.kind)) return `a PDP must be a polygon, got ${g.kind}`;
  if ((layer === 'reseau_de_chaleur' || layer === 'reseau_de_froid') && !LINE_KINDS.has(g.kind))
    return `a network trace must be a line or a point, got ${g.kind}`;
  return null;
}

/** Parses one GeoJSON file's text; `fileName` gives the layer of features that carry no `type`. */
export function parseNetworkGeoJson(textIn: string, fileName: string): ParsedNetworkFile {
  let doc: { type?: unknown; crs?: unknown; features?: unknown };
  try {
    doc = JSON.parse(textIn) as typeof doc;
  } catch (err) {
    throw new NetworkFileError(`not valid JSON: ${(err as Error).message}`);
  }
  if (doc?.type !== 'FeatureCollection' || !Array.isArray(doc.features))
    throw new NetworkFileError(
      `expected a GeoJSON FeatureCollection, got ${JSON.stringify(doc?.type ?? typeof doc)}`,
    );
  const fileLayer = layerOfFileName(fileName);
  const declared = crsOfMember(doc.crs);
  const out: ParsedNetworkFile = {
    crs: declared ?? 2154,
    crsFrom: declared ? 'crs member' : 'coordinates',
    networks: [],
    communes: [],
    ignored: {},
    problems: [],
  };
  const parsed: { i: number; layer: NetworkLayer | 'commune'; props: Record<string, unknown>; geom: Geom }[] =
    [];
  (doc.features as unknown[]).forEach((f, k) => {
    const i = k + 1;
    const feat = f as { properties?: Record<string, unknown> | null; geometry?: unknown } | null;
    const props = feat?.properties ?? {};
    const typeProp = typeof props.type === 'string' ? props.type : null;
    const layer = typeProp ? (LAYER_OF_TYPE[typeProp.toLowerCase()] ?? null) : fileLayer;
    if (!layer) {
      if (typeProp) out.ignored[typeProp] = (out.ignored[typeProp] ?? 0) + 1;
      else
        out.problems.push({
          feature: i,
          reason: `no layer: the file name "${fileName}" names none and the feature has no "type" property`,
        });
      return;
    }
    try {
      parsed.push({ i, layer, props, geom: geomOfGeoJson(feat?.geometry) });
    } catch (err) {
      out.problems.push({ feature: i, reason: (err as Error).message });
    }
  });
  if (!declared) {
    const all: Geom = {
      kind: 'MULTIPOINT',
      parts: parsed.flatMap((p) => p.geom.parts.flat().map((path) => [path])),
    };
    const found = parsed.length ? detectCrs(all) : 2154;
    if (!found)
      throw new NetworkFileError('coordinates are neither WGS84 degrees nor Lambert-93 metres in France');
    out.crs = found;
  }
  for (const { i, layer, props, geom } of parsed) {
    if (out.crs === 4326) wgs84ToLambert93(geom);
    const get = getter(props);
    if (layer === 'commune') {
      const code = text(get('insee_com', 'code_insee', 'code', 'insee'));
      if (!code || !/^([0-9]{2}|2[AB])[0-9]{3}$/.test(code)) {
        out.problems.push({
          feature: i,
          reason: `commune without a valid INSEE code (insee_com), got ${JSON.stringify(code)}`,
        });
        continue;
      }
      if (!AREA_KINDS.has(geom.kind)) {
        out.problems.push({ feature: i, reason: `a commune must be a polygon, got ${geom.kind}` });
        continue;
      }
      out.communes.push({ code_insee: code, name: text(get('nom', 'name')), geom });
      continue;
    }
    const id = num(get('id_fcu'));
    if (id === null || !Number.isInteger(id)) {
      out.problems.push({
        feature: i,
        reason: `id_fcu missing or not an integer, got ${JSON.stringify(get('id_fcu'))}`,
      });
      continue;
    }
    const bad = checkKind(layer, geom);
    if (bad) {
      out.problems.push({ feature: i, reason: bad });
      continue;
    }
    out.networks.push({
      layer,
      id_fcu: id,
      sncu_id: text(get('Identifiant reseau', 'identifiant_reseau', 'id_sncu')),
      name: text(get('nom_reseau', 'nom')),
      operator: text(get('Gestionnaire')),
      owner: text(get('MO')),
      communes_insee: codes(get('communes_insee', 'communes')),
      classed: bool(get('reseaux classes', 'reseaux_classes')),
      has_pdp: bool(get('has_PDP')),
      has_trace: bool(get('has_trace')),
      open_to_connections: bool(get('ouvert_aux_raccordements')),
      is_zone: bool(get('is_zone')),
      enrr_rate: num(get('Taux EnR&R', 'taux_enrr')),
      co2: num(get('contenu CO2', 'contenu_co2')),
      co2_acv: num(get('contenu CO2 ACV', 'contenu_co2_acv')),
      price: num(get('PM')),
      year_created: num(get('annee_creation')),
      length_km: num(get('longueur_reseau')),
      delivery_points: num(get('nb_pdl')),
      pdp_network_ids: ids(get('reseau_de_chaleur_ids')),
      pdp_future_network_ids: ids(get('reseau_en_construction_ids')),
      properties: props,
      geom,
    });
  }
  return out;
}
