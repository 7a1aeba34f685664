-- The directory of professionals (issue 11 §5, src/directory/): businesses that audit, design,
-- advise on or carry out energy renovation, imported by an admin from a CSV file
-- (`batid directory import`, `POST /v1/directory/import`) and searched by specialty and place
-- (`GET /v1/professionals`, `GET /v1/buildings/{batid}/professionals`). These are businesses:
-- only business contact fields are kept (no contact person).
CREATE SCHEMA IF NOT EXISTS directory;

CREATE TABLE directory.professional (
  -- the source's own identifier (column `id`), else the SIRET, else a hash of name + postcode
  id                  text PRIMARY KEY,
  name                text NOT NULL CHECK (name <> ''),
  -- stable codes, French labels in src/directory/specialties.ts
  specialties         text[] NOT NULL CHECK (
    cardinality(specialties) > 0 AND specialties <@ ARRAY['audit_energetique_dtg', 'maitrise_oeuvre', 'amo',
      'architecte', 'chauffage', 'isolation', 'ventilation', 'menuiseries', 'solaire', 'offre_globale']),
  -- RGE (« reconnu garant de l'environnement »): the qualifications as written by the source
  -- (organism, name, number), and the end of validity when the source gives it
  rge                 boolean NOT NULL DEFAULT false,
  rge_qualifications  text[] NOT NULL DEFAULT '{}',
  rge_valid_until     date,
  siret               text CHECK (siret ~ '^[0-9]{14}$'),
  address             text,
  commune             text,
  code_postal         text CHECK (code_postal ~ '^[0-9]{5}$'),
  code_commune_insee  text CHECK (code_commune_insee ~ '^([0-9]{2}|2[AB])[0-9]{3}$'),
  -- the business's address point: from the file's lon/lat, else geocoded by the address index
  geom                geometry(Point, 2154),
  geocoding           text NOT NULL CHECK (geocoding IN ('lonlat', 'address', 'none')),
  geocoding_score     double precision,
  -- where it works: any of these départements or communes, or within radius_km of its address
  area_departements   text[] NOT NULL DEFAULT '{}',
  area_communes       text[] NOT NULL DEFAULT '{}',
  area_radius_km      double precision CHECK (area_radius_km > 0 AND area_radius_km <= 1000),
  website             text,
  phone               text,
  email               text,
  source              text NOT NULL,
  imported_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX professional_specialties_gin ON directory.professional USING gin (specialties);
CREATE INDEX professional_geom_gist ON directory.professional USING gist (geom);
CREATE INDEX professional_commune_idx ON directory.professional (code_commune_insee);
CREATE INDEX professional_postcode_idx ON directory.professional (code_postal);
CREATE INDEX professional_area_departements_gin ON directory.professional USING gin (area_departements);
CREATE INDEX professional_area_communes_gin ON directory.professional USING gin (area_communes);

-- One row per import: what came in, from where, by whom.
CREATE TABLE directory.import (
  id            bigserial PRIMARY KEY,
  source        text NOT NULL,
  replaced      boolean NOT NULL,
  rows_imported integer NOT NULL,
  rows_rejected integer NOT NULL,
  warnings      integer NOT NULL,
  actor         text NOT NULL,
  imported_at   timestamptz NOT NULL DEFAULT now()
);
