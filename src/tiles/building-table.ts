/**
 * tiles.building: every standing building with the properties of the `buildings` tile layer,
 * derived once per import (data version) so that a tile is one GiST scan. A building's labels:
 * its group's latest valid 2021-method certificate (renovation.batiment, as the indicators count
 * it), else the group's representative DPE of the BDNB; its heating from
 * the same source as its label; construction year, dwellings and use from the BDNB (ffo_bat).
 *
 * What makes a cold tile cheap (migrations/0010_tiles_geometry.sql): the footprint stored in
 * Web Mercator (no reprojection per tile), `min_zoom` (footprints under one pixel of a z13 tile
 * start at z14), the rows written in geohash order with the GiST index built after them (a
 * tile reads few pages), and on the embedded backend each feature as one JSON text (properties
 * and coordinates: what its JavaScript encoder parses; PGlite writing several columns, or a
 * geometry as text, at every tile costs several times more).
 */
import type { Store } from '../store/store.js';
import { ensureDerived } from './derived-table.js';
import { BUILDINGS_FULL_ZOOM, BUILDINGS_MIN_ZOOM, MIN_AREA_M2_BELOW_FULL_ZOOM } from './tile-layers.js';

/**
 * A building's labels and heating, by the rule above, over the joins of groupAttributeJoins:
 * `cur` the group's current state (renovation.batiment, as the indicators count it:
 * src/renovation/derive-renovations.ts), else `r` its representative DPE. The installation is
 * `collectif` or `individuel` (any case in the source), else null — the same in the tiles, the
 * OGC collection and the export.
 */
export const DPE_SQL = {
  classe: 'coalesce(cur.classe_bilan_dpe, r.classe_bilan_dpe)',
  classe2026: 'cur.classe_facteur_2026',
  energie:
    'CASE WHEN cur.classe_bilan_dpe IS NOT NULL THEN cur.type_energie_chauffage ELSE r.type_energie_chauffage END',
  installation: `CASE lower(CASE WHEN cur.classe_bilan_dpe IS NOT NULL THEN cur.type_installation_chauffage
                                 ELSE r.type_installation_chauffage END)
                   WHEN 'collectif' THEN 'collectif' WHEN 'individuel' THEN 'individuel' END`,
} as const;

/**
 * The group's tables a building's attributes are read from, `cur` and `r` (DPE_SQL) and `f`
 * (ffo_bat: use, year, dwellings); `dept` and `group` are SQL expressions (a column, or `$1`
 * so that the planner reads one partition).
 */
export const groupAttributeJoins = (dept: string, group: string): string => `
      LEFT JOIN renovation.batiment cur
             ON cur.code_departement_insee = ${dept} AND cur.batiment_groupe_id = ${group}
      LEFT JOIN bdnb.batiment_groupe_dpe_representatif_logement r
             ON r.code_departement_insee = ${dept} AND r.batiment_groupe_id = ${group}
      LEFT JOIN bdnb.batiment_groupe_ffo_bat f
             ON f.code_departement_insee = ${dept} AND f.batiment_groupe_id = ${group}`;

/** $1: the smallest footprint (Mercator m²) shown below the full zoom; $2: write `feature`. */
const BUILD_SQL = `
  WITH b AS (
    SELECT b.code_departement_insee AS d, b.batid,
           ${DPE_SQL.classe} AS classe_dpe, ${DPE_SQL.classe2026} AS classe_dpe_2026,
           ${DPE_SQL.energie} AS energie_chauffage, ${DPE_SQL.installation} AS installation_chauffage,
           f.annee_construction, f.nb_log, f.usage_niveau_1_txt AS usage,
           ST_Transform(c.geom_cstr, 3857) AS geom
      FROM bdnb.batiment_construction c
      JOIN batid.building b ON b.batiment_construction_id = c.batiment_construction_id
                           AND b.code_departement_insee = c.code_departement_insee AND b.status = 'constructed'
      ${groupAttributeJoins('c.code_departement_insee', 'c.batiment_groupe_id')}
     WHERE c.geom_cstr IS NOT NULL)
  INSERT INTO tiles.building (code_departement_insee, batid, classe_dpe, classe_dpe_2026, energie_chauffage,
                              installation_chauffage, annee_construction, nb_log, usage, min_zoom, geom, feature)
  SELECT d, batid, classe_dpe, classe_dpe_2026, energie_chauffage, installation_chauffage, annee_construction, nb_log, usage,
         CASE WHEN ST_Area(geom) >= $1::float8 THEN ${BUILDINGS_MIN_ZOOM} ELSE ${BUILDINGS_FULL_ZOOM} END,
         geom,
         CASE WHEN $2::boolean THEN
           json_build_array(
             json_strip_nulls(json_build_object('batid', batid, 'classe_dpe', classe_dpe, 'classe_dpe_2026', classe_dpe_2026,
               'energie_chauffage', energie_chauffage, 'installation_chauffage', installation_chauffage,
               'annee_construction', annee_construction, 'nb_log', nb_log, 'usage', usage)),
             ST_AsGeoJSON(geom, 2, 0)::json -> 'coordinates')::text
         END
    FROM b
   ORDER BY ST_GeoHash(ST_Transform(ST_Centroid(geom), 4326), 10)`;

/** Rebuilds tiles.building unless it was built from `version` already. */
export async function ensureBuildingTable(store: Store, version: string): Promise<void> {
  await ensureDerived(store, 'building', version, async (tx) => {
    // statistics first: PGlite has no autovacuum, and a plan on empty statistics can loop
    await tx.exec(`ANALYZE batid.building; ANALYZE renovation.batiment`);
    // the index built once after the rows (in one sorted pass) rather than row by row
    await tx.exec(`TRUNCATE tiles.building; DROP INDEX IF EXISTS tiles.tiles_building_geom_gist`);
    await tx.query(BUILD_SQL, [MIN_AREA_M2_BELOW_FULL_ZOOM, store.kind === 'embedded']);
    await tx.exec(`CREATE INDEX tiles_building_geom_gist ON tiles.building USING gist (geom)`);
  });
}
