/**
 * tiles.building: every standing building with the properties of the `buildings` tile layer,
 * derived once per import (data version) so that a tile is one GiST scan. A building's labels:
 * its group's latest valid 2021-method certificate (renovation.batiment, as the indicators count
 * it), else the group's representative DPE of the BDNB; its heating from
 * the same source as its label; construction year, dwellings and use from the BDNB (ffo_bat).
 */
import type { Store } from '../store/store.js';
import { ensureDerived } from './derived-table.js';

const BUILD_SQL = `
  WITH b AS (
    SELECT b.code_departement_insee AS d, b.batid,
           coalesce(cur.classe_bilan_dpe, r.classe_bilan_dpe) AS classe_dpe,
           cur.classe_facteur_2026 AS classe_dpe_2026,
           CASE WHEN cur.classe_bilan_dpe IS NOT NULL THEN cur.type_energie_chauffage ELSE r.type_energie_chauffage END AS energie_chauffage,
           lower(CASE WHEN cur.classe_bilan_dpe IS NOT NULL THEN cur.type_installation_chauffage
                      ELSE r.type_installation_chauffage END) AS inst,
           f.annee_construction, f.nb_log, f.usage_niveau_1_txt AS usage, c.geom_cstr AS geom
      FROM bdnb.batiment_construction c
      JOIN batid.building b ON b.batiment_construction_id = c.batiment_construction_id
                           AND b.code_departement_insee = c.code_departement_insee AND b.status = 'constructed'
      -- the group's current state, as the indicators count it (src/renovation/derive-renovations.ts)
      LEFT JOIN renovation.batiment cur
             ON cur.code_departement_insee = c.code_departement_insee AND cur.batiment_groupe_id = c.batiment_groupe_id
      LEFT JOIN bdnb.batiment_groupe_dpe_representatif_logement r
             ON r.code_departement_insee = c.code_departement_insee AND r.batiment_groupe_id = c.batiment_groupe_id
      LEFT JOIN bdnb.batiment_groupe_ffo_bat f
             ON f.code_departement_insee = c.code_departement_insee AND f.batiment_groupe_id = c.batiment_groupe_id
     WHERE c.geom_cstr IS NOT NULL)
  INSERT INTO tiles.building (code_departement_insee, batid, classe_dpe, classe_dpe_2026, energie_chauffage,
                              installation_chauffage, annee_construction, nb_log, usage, props, geom, geojson)
  SELECT d, batid, classe_dpe, classe_dpe_2026, energie_chauffage, i, annee_construction, nb_log, usage,
         json_strip_nulls(json_build_object('batid', batid, 'classe_dpe', classe_dpe, 'classe_dpe_2026', classe_dpe_2026,
           'energie_chauffage', energie_chauffage, 'installation_chauffage', i,
           'annee_construction', annee_construction, 'nb_log', nb_log, 'usage', usage))::text,
         geom, ST_AsGeoJSON(geom, 1)
    FROM (SELECT b.*, CASE WHEN inst IN ('collectif', 'individuel') THEN inst END AS i FROM b) x`;

/** Rebuilds tiles.building unless it was built from `version` already. */
export async function ensureBuildingTable(store: Store, version: string): Promise<void> {
  await ensureDerived(store, 'building', version, async (tx) => {
    // statistics first: PGlite has no autovacuum, and a plan on empty statistics can loop
    await tx.exec(`ANALYZE batid.building; ANALYZE renovation.batiment`);
    await tx.query(`TRUNCATE tiles.building`);
    await tx.query(BUILD_SQL);
  });
}
