-- tiles.building in Web Mercator (issue 7: cold tiles): the footprint is stored in EPSG:3857 so
-- a tile is cut from it with no ST_Transform per feature and is found by the tile's own
-- envelope (ST_TileEnvelope), not by the larger Lambert-93 box around it; `min_zoom` leaves the
-- buildings under one pixel out of z13 tiles; the rows are written in spatial order
-- (src/tiles/building-table.ts); the embedded backend reads each feature as one JSON text. The table is derived, so it is dropped and rebuilt on first use.
DROP TABLE tiles.building;
DELETE FROM tiles.built WHERE name = 'building';

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
  -- the first zoom whose tiles hold the building: 13, or 14 when its footprint is under one pixel
  -- of a z13 tile (src/tiles/tile-layers.ts)
  min_zoom               smallint NOT NULL,
  geom                   geometry(MultiPolygon, 3857) NOT NULL,
  -- embedded backend only (NULL on PostgreSQL, which encodes with ST_AsMVT): what its JavaScript
  -- encoder reads, one JSON text `[properties without nulls, GeoJSON coordinates in EPSG:3857 (cm)]`
  feature                text
);
CREATE INDEX tiles_building_geom_gist ON tiles.building USING gist (geom);
