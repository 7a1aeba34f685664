/**
 * The polygons of the `communes` tile layer, derived once per data version into tiles.commune.
 * The BDNB export has no commune table, so a commune's polygon is, by preference:
 * 1. its boundary from fcu.commune (loaded by `batid import-networks` when the files carry them);
 * 2. the union of its IRIS (bdnb.referentiel_administratif_iris, which the exports ship);
 * 3. the convex hull of its building groups, buffered by 100 m (so a commune always shows).
 * Its figures are those of `GET /v1/indicators?level=commune` (territoryIndicators itself:
 * buildings with a DPE, F+G ones and their share), so the map and the dashboards agree.
 */
import { territoryIndicators } from '../renovation/territory-indicators.js';
import type { Store } from '../store/store.js';
import { builtVersion, ensureDerived } from './derived-table.js';

const BUILD_SQL = `
  INSERT INTO tiles.commune (code, code_departement_insee, nom, source, geom)
  SELECT k.code, k.d, k.nom, a.source, a.geom
    FROM (SELECT g.code_commune_insee AS code, min(g.code_departement_insee) AS d, max(g.libelle_commune_insee) AS nom
            FROM bdnb.batiment_groupe g WHERE g.code_commune_insee IS NOT NULL GROUP BY 1) k
    CROSS JOIN LATERAL (
      SELECT s.source, s.geom FROM (
        SELECT 1 AS rank, 'fcu.commune' AS source,
               (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(fc.geom), 3)) FROM fcu.commune fc
                 WHERE fc.code_insee = k.code) AS geom
        UNION ALL
        SELECT 2, 'iris',
               (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(i.geom_iris)), 3))
                  FROM bdnb.referentiel_administratif_iris i
                 WHERE i.code_departement_insee = k.d AND i.code_commune_insee = k.code AND i.geom_iris IS NOT NULL)
        UNION ALL
        SELECT 3, 'hull',
               (SELECT ST_Multi(ST_Buffer(ST_ConvexHull(ST_Collect(g.geom_groupe)), 100))
                  FROM bdnb.batiment_groupe g
                 WHERE g.code_departement_insee = k.d AND g.code_commune_insee = k.code AND g.geom_groupe IS NOT NULL)
      ) s WHERE s.geom IS NOT NULL AND NOT ST_IsEmpty(s.geom) ORDER BY s.rank LIMIT 1) a`;

const FIGURES_SQL = `
  UPDATE tiles.commune c SET batiments_avec_dpe = s.n, passoires = s.fg, part_passoires = s.part
    FROM json_to_recordset($1::json) AS s(code text, n integer, fg integer, part double precision)
   WHERE c.code = s.code`;

/** Rebuilds tiles.commune unless it was built from `version` already. */
export async function ensureCommuneAreas(store: Store, version: string): Promise<void> {
  if ((await builtVersion(store, 'commune')) === version) return;
  // the figures of the indicators first, outside the transaction (their queries run in parallel)
  const figures = (await territoryIndicators(store, { level: 'commune' })).map((r) => ({
    code: r.code,
    n: r.dpe.batiments_avec_dpe,
    fg: r.dpe.passoires_f_g.batiments,
    part: r.dpe.passoires_f_g.part_batiments.part,
  }));
  await ensureDerived(store, 'commune', version, async (tx) => {
    await tx.query(`TRUNCATE tiles.commune`);
    await tx.query(BUILD_SQL);
    await tx.query(FIGURES_SQL, [JSON.stringify(figures)]);
  });
}
