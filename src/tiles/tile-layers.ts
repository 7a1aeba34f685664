/**
 * What each tile layer holds: its zooms and one SQL query selecting the features of a tile, with
 * their properties and their geometry (`geom`: Lambert-93, or Web Mercator for the buildings).
 * Both encoders (tile-encoders.ts) wrap the same query, so both backends give the same features
 * and properties.
 *
 * Parameters of every query: $1..$4 the tile's Lambert-93 box (with its buffer), $5 the
 * départements it lies in, comma-separated (every partitioned table is filtered on them first,
 * so a tile reads only its départements' partitions — one shard), $6 the simplification
 * tolerance in metres (lines and polygons at low zoom), $7..$9 the tile's z, x, y.
 */
import { BUFFER, EXTENT, tileSizeM, type TileLayer } from './tile-coords.js';

/** The buildings' first zoom, and the zoom from which every footprint is in the tiles. */
export const BUILDINGS_MIN_ZOOM = 13;
export const BUILDINGS_FULL_ZOOM = 14;
/**
 * Below the full zoom, a footprint must cover at least one pixel of the tile drawn 512 px wide
 * (MapLibre's size for vector tiles), i.e. 8 × 8 units of the 4096 grid: 91 m² in Web Mercator at
 * z13, ~44 m² on the ground in mainland France (31% of the synthetic département's buildings:
 * sheds, garages, small houses). They could not be seen there, and cost as much as the others to
 * encode; from z14 every building is in the tiles (tiles.building `min_zoom`).
 */
export const MIN_AREA_M2_BELOW_FULL_ZOOM = (tileSizeM(BUILDINGS_MIN_ZOOM) / 512) ** 2;

export interface LayerSpec {
  minZoom: number;
  maxZoom: number;
  /** Its features belong to départements: a tile over no known département is empty. */
  byDept: boolean;
  /** Property names, in the order the query returns them (then `geom`). */
  properties: readonly string[];
  /**
   * Polygons stored in EPSG:3857 (tiles.building): the query finds them by the tile's own
   * envelope ($7..$9) and returns `geom` in EPSG:3857 and, on the embedded backend, `feature`
   * (the JSON text `[properties, GeoJSON coordinates]`).
   */
  mercatorPolygons?: boolean;
  sql: string;
}

const BOX = 'ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, 2154)';
const DEPTS = `string_to_array($5::text, ',')`;
/** Lines and polygons simplified at low zoom; a collapsed one kept (preserveCollapsed). */
const simplified = (g: string) =>
  `CASE WHEN $6::float8 > 0 AND GeometryType(${g}) <> 'POINT' THEN ST_Simplify(${g}, $6::float8, true) ELSE ${g} END`;

/** Derived per import by building-table.ts (labels, heating, construction, Web Mercator). */
const BUILDINGS_SQL = `
  SELECT t.batid, t.classe_dpe, t.classe_dpe_2026, t.energie_chauffage, t.installation_chauffage,
         t.annee_construction, t.nb_log, t.usage, t.feature, t.geom
    FROM tiles.building t
   WHERE t.code_departement_insee = ANY(${DEPTS}) AND t.min_zoom <= $7::int
     AND t.geom && ST_TileEnvelope($7::int, $8::int, $9::int, margin => ${BUFFER / EXTENT})`;

const NETWORKS_SQL = `
  SELECT n.layer, n.id_fcu, n.name AS nom, n.operator AS gestionnaire, n.enrr_rate AS taux_enrr,
         n.co2 AS contenu_co2, ${simplified('n.geom')} AS geom
    FROM fcu.network n
   WHERE n.geom && ${BOX}`;

/** BDNB addresses, and the BAN's over them by key (the BAN is the fresher source). */
const ADDRESSES_SQL = `
  SELECT a.cle_interop_adr, nullif(concat(a.numero, a.rep), '') AS numero,
         coalesce(a.libelle_adresse, concat_ws(' ', a.numero, a.rep, a.type_voie, a.nom_voie, a.code_postal, a.libelle_commune))
           AS label,
         a.geom_adresse AS geom
    FROM bdnb.adresse a
   WHERE a.code_departement_insee = ANY(${DEPTS}) AND a.geom_adresse && ${BOX} AND a.cle_interop_adr IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM ban.adresse x
                      WHERE x.id = a.cle_interop_adr AND x.code_departement_insee = a.code_departement_insee)
  UNION ALL
  SELECT x.id, nullif(concat(CASE WHEN x.numero NOT IN (0, 99999) THEN x.numero END, x.rep), ''),
         concat_ws(' ', nullif(concat_ws(' ', CASE WHEN x.numero NOT IN (0, 99999) THEN x.numero END, x.rep), ''),
                   x.nom_voie, x.code_postal, x.nom_commune),
         x.geom
    FROM ban.adresse x
   WHERE x.code_departement_insee = ANY(${DEPTS}) AND x.geom && ${BOX}`;

/** Derived per data version by commune-areas.ts (geometry and the indicators' F/G figures). */
const COMMUNES_SQL = `
  SELECT c.code, c.nom, c.batiments_avec_dpe, c.passoires, c.part_passoires, ${simplified('c.geom')} AS geom
    FROM tiles.commune c
   WHERE c.code_departement_insee = ANY(${DEPTS}) AND c.geom && ${BOX}`;

export const LAYERS: Record<TileLayer, LayerSpec> = {
  buildings: {
    minZoom: BUILDINGS_MIN_ZOOM,
    maxZoom: 22,
    byDept: true,
    properties: [
      'batid',
      'classe_dpe',
      'classe_dpe_2026',
      'energie_chauffage',
      'installation_chauffage',
      'annee_construction',
      'nb_log',
      'usage',
    ],
    mercatorPolygons: true,
    sql: BUILDINGS_SQL,
  },
  networks: {
    minZoom: 0,
    maxZoom: 22,
    byDept: false,
    properties: ['layer', 'id_fcu', 'nom', 'gestionnaire', 'taux_enrr', 'contenu_co2'],
    sql: NETWORKS_SQL,
  },
  addresses: {
    minZoom: 16,
    maxZoom: 22,
    byDept: true,
    properties: ['cle_interop_adr', 'numero', 'label'],
    sql: ADDRESSES_SQL,
  },
  communes: {
    minZoom: 0,
    maxZoom: 16,
    byDept: true,
    properties: ['code', 'nom', 'batiments_avec_dpe', 'passoires', 'part_passoires'],
    sql: COMMUNES_SQL,
  },
};
