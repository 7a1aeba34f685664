-- BAN addresses imported with `batid import-ban` (the BAN "adresses" CSV layout, one file per
-- département). Partitioned by département like the BDNB tables; a re-import replaces the
-- départements it holds in one transaction (src/ingest/ban/import-ban.ts). The address search
-- index (src/address/) reads this table next to bdnb.adresse; a BAN row wins over a BDNB row with
-- the same key (the BAN is the fresher source).
CREATE SCHEMA IF NOT EXISTS ban;

CREATE TABLE ban.adresse (
  id                          text NOT NULL,
  code_departement_insee      text NOT NULL,
  id_fantoir                  text,
  numero                      integer,
  rep                         text,
  nom_voie                    text NOT NULL,
  code_postal                 text,
  code_insee                  text NOT NULL,
  nom_commune                 text,
  code_insee_ancienne_commune text,
  nom_ancienne_commune        text,
  x                           double precision,
  y                           double precision,
  lon                         double precision NOT NULL,
  lat                         double precision NOT NULL,
  type_position               text,
  alias                       text,
  nom_ld                      text,
  libelle_acheminement        text,
  nom_afnor                   text,
  source_position             text,
  source_nom_voie             text,
  certification_commune       boolean,
  cad_parcelles               text[],
  extra                       jsonb,
  geom                        geometry(Point, 2154) NOT NULL,
  run_id                      bigint,
  PRIMARY KEY (id, code_departement_insee)
) PARTITION BY LIST (code_departement_insee);
CREATE INDEX ban_adresse_insee_idx ON ban.adresse (code_insee);
CREATE INDEX ban_adresse_geom_gist ON ban.adresse USING gist (geom);
