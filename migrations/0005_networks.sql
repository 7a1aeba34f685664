-- Heat and cold networks in the France Chaleur Urbaine open-data layout (domain.md §3), imported
-- with `batid import-networks` (src/networks/import-networks.ts). A national reference layer of a
-- few thousand features: not partitioned (on Citus, a reference table). Each import replaces the
-- whole layer set in one transaction and records a version; bulk eligibility results remember
-- the version they were computed on, so a re-import can re-test them (src/eligibility/).
CREATE SCHEMA IF NOT EXISTS fcu;

CREATE TABLE fcu.import (
  version      bigserial PRIMARY KEY,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  files        text[] NOT NULL,
  features     integer NOT NULL,
  crs_detected text NOT NULL
);

-- layer: reseau_de_chaleur | reseau_de_froid | reseau_en_construction | pdp
CREATE TABLE fcu.network (
  layer                    text NOT NULL,
  id_fcu                   integer NOT NULL,
  sncu_id                  text,
  name                     text,
  operator                 text,
  owner                    text,
  communes_insee           text[] NOT NULL DEFAULT '{}',
  classed                  boolean,
  has_pdp                  boolean,
  has_trace                boolean,
  open_to_connections      boolean,
  is_zone                  boolean,
  enrr_rate                double precision,
  co2                      double precision,
  co2_acv                  double precision,
  price                    double precision,
  year_created             integer,
  length_km                double precision,
  delivery_points          integer,
  -- a PDP's networks (its reseau_de_chaleur_ids / reseau_en_construction_ids)
  pdp_network_ids          integer[] NOT NULL DEFAULT '{}',
  pdp_future_network_ids   integer[] NOT NULL DEFAULT '{}',
  properties               jsonb NOT NULL,
  source_file              text NOT NULL,
  geom                     geometry(Geometry, 2154) NOT NULL,
  PRIMARY KEY (layer, id_fcu)
);
CREATE INDEX fcu_network_geom_gist ON fcu.network USING gist (geom);

-- commune boundaries shipped with the networks (FCU test fixtures): the commune of a point
CREATE TABLE fcu.commune (
  code_insee text PRIMARY KEY,
  name       text,
  geom       geometry(Geometry, 2154) NOT NULL
);
CREATE INDEX fcu_commune_geom_gist ON fcu.commune USING gist (geom);
