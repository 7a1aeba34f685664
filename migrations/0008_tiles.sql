-- Vector tiles (src/tiles/): tables derived from the imported data for the tile layers, rebuilt
-- when the data they come from changes (src/tiles/derived-layers.ts), so they never go stale.
CREATE SCHEMA IF NOT EXISTS tiles;

-- the standing buildings with the properties of the `buildings` layer: a tile is one GiST scan
-- instead of four lookups per footprint (which cost ~0.2 ms a footprint on PGlite)
CREATE TABLE tiles.building (
  code_departement_insee text NOT NULL,
  batid                  text NOT NULL,
  classe_dpe             text,
  classe_dpe_2026        text,
  energie_chauffage      text,
  installation_chauffage text,
  annee_construction     integer,
  nb_log                 integer,
  usage                  text,
  -- the properties above as a JSON object without nulls (what the embedded encoder reads)
  props                  text NOT NULL,
  geom                   geometry(MultiPolygon, 2154) NOT NULL,
  -- the footprint as GeoJSON (Lambert-93, decimetres): the embedded encoder reads text, PGlite
  -- writing GeoJSON at every tile was a third of its time
  geojson                text NOT NULL
);
CREATE INDEX tiles_building_geom_gist ON tiles.building USING gist (geom);
CREATE INDEX tiles_building_dept_idx ON tiles.building (code_departement_insee);

-- the polygons of the `communes` layer with the F/G figures of the territory indicators
CREATE TABLE tiles.commune (
  code                   text PRIMARY KEY,
  code_departement_insee text NOT NULL,
  nom                    text,
  -- where the polygon comes from: fcu.commune | iris (union of the BDNB IRIS) | hull (of the buildings)
  source                 text NOT NULL,
  batiments_avec_dpe     integer NOT NULL DEFAULT 0,
  passoires              integer NOT NULL DEFAULT 0,
  part_passoires         double precision,
  geom                   geometry(MultiPolygon, 2154) NOT NULL
);
CREATE INDEX tiles_commune_geom_gist ON tiles.commune USING gist (geom);
CREATE INDEX tiles_commune_dept_idx ON tiles.commune (code_departement_insee);

-- the data version each derived table was built from
CREATE TABLE tiles.built (
  name    text PRIMARY KEY,
  version text NOT NULL
);
