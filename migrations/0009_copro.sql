-- Access keys, the audit trail, a building's energy record (yearly bills), degree days, and
-- renovation projects followed by advisors (src/auth/, src/copro/). Every row that belongs to
-- a building carries its département, so the tables distribute by code_departement_insee as
-- the BDNB ones do.
CREATE SCHEMA IF NOT EXISTS access;

-- An API key: `batid_<id>_<secret>`; only the SHA-256 of the whole token is stored.
CREATE TABLE access.api_key (
  id          text PRIMARY KEY,
  token_hash  text NOT NULL,
  role        text NOT NULL CHECK (role IN ('public', 'pro', 'advisor', 'admin')),
  -- département codes ('03', '2A', '974') or EPCI SIREN (9 digits); empty = no territory
  territories text[] NOT NULL DEFAULT '{}',
  label       text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- Who changed what and when: one row per change, with the values before and after.
CREATE TABLE access.audit (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  key_id      text NOT NULL,
  key_label   text NOT NULL DEFAULT '',
  action      text NOT NULL,
  entity      text NOT NULL,
  entity_id   text NOT NULL,
  batid       text,
  code_departement_insee text,
  before      jsonb,
  after       jsonb
);
CREATE INDEX audit_batid_idx ON access.audit (batid, at);
CREATE INDEX audit_entity_idx ON access.audit (entity, entity_id, at);

CREATE SCHEMA IF NOT EXISTS copro;

-- The energy record of one building (a copropriété or a house).
CREATE TABLE copro.record (
  batid                  text PRIMARY KEY,
  code_departement_insee text NOT NULL,
  code_commune_insee     text,
  name                   text NOT NULL DEFAULT '',
  heated_surface_m2      double precision NOT NULL CHECK (heated_surface_m2 > 0),
  -- the heat network the building is connected to, when it is (FCU id); its CO2 content is used
  reseau_id_fcu          integer,
  created_by             text NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX record_dept_idx ON copro.record (code_departement_insee);

-- One bill line: a year, a use, an energy, its cost and its quantity in the bill's own unit.
CREATE TABLE copro.bill (
  id                     text PRIMARY KEY,
  batid                  text NOT NULL REFERENCES copro.record (batid) ON DELETE CASCADE,
  code_departement_insee text NOT NULL,
  year                   integer NOT NULL,
  use                    text NOT NULL CHECK (use IN ('chauffage', 'ecs', 'electricite_communs')),
  energy                 text NOT NULL,
  quantity               double precision NOT NULL CHECK (quantity >= 0),
  unit                   text NOT NULL,
  amount_eur             double precision NOT NULL CHECK (amount_eur >= 0),
  kwh_final              double precision NOT NULL CHECK (kwh_final >= 0),
  comment                text NOT NULL DEFAULT '',
  created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bill_batid_idx ON copro.bill (batid, year);

-- Works recorded on the building (end date), to compare the years before and after.
CREATE TABLE copro.works (
  id                     text PRIMARY KEY,
  batid                  text NOT NULL REFERENCES copro.record (batid) ON DELETE CASCADE,
  code_departement_insee text NOT NULL,
  date_fin               date NOT NULL,
  description            text NOT NULL DEFAULT ''
);
CREATE INDEX works_batid_idx ON copro.works (batid);

-- Degree days (base 18 °C) entered or imported by users; they override the shipped reference
-- table (data/degree-days/). annee NULL = the département's reference (normal) value.
CREATE TABLE copro.degree_days (
  code_departement_insee text NOT NULL,
  annee                  integer,
  dju                    double precision NOT NULL CHECK (dju > 0),
  source                 text NOT NULL,
  updated_by             text NOT NULL,
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX degree_days_key ON copro.degree_days (code_departement_insee, coalesce(annee, 0));

-- A renovation project followed by a one-stop shop (guichet France Rénov').
CREATE TABLE copro.project (
  id                     text PRIMARY KEY,
  batid                  text NOT NULL,
  code_departement_insee text NOT NULL,
  code_commune_insee     text,
  title                  text NOT NULL DEFAULT '',
  stage                  text NOT NULL CHECK (stage IN
    ('premier_contact', 'audit', 'travaux_votes', 'travaux_realises', 'suivi')),
  stage_changed_at       date NOT NULL,
  created_by             text NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_dept_idx ON copro.project (code_departement_insee, stage);
CREATE INDEX project_batid_idx ON copro.project (batid);

CREATE TABLE copro.project_stage (
  project_id text NOT NULL REFERENCES copro.project (id) ON DELETE CASCADE,
  stage      text NOT NULL,
  date       date NOT NULL,
  key_id     text NOT NULL
);
CREATE INDEX project_stage_idx ON copro.project_stage (project_id, date);

CREATE TABLE copro.project_note (
  id         text PRIMARY KEY,
  project_id text NOT NULL REFERENCES copro.project (id) ON DELETE CASCADE,
  date       date NOT NULL,
  text       text NOT NULL,
  key_id     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_note_idx ON copro.project_note (project_id, date);

-- SARE acts (programme « Service d’accompagnement pour la rénovation énergétique »).
CREATE TABLE copro.sare_act (
  id                     text PRIMARY KEY,
  project_id             text NOT NULL REFERENCES copro.project (id) ON DELETE CASCADE,
  code_departement_insee text NOT NULL,
  code                   text NOT NULL CHECK (code IN ('A1', 'A2', 'A3', 'A4', 'A4bis', 'A5', 'B1', 'B2')),
  date                   date NOT NULL,
  comment                text NOT NULL DEFAULT '',
  key_id                 text NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sare_act_idx ON copro.sare_act (code_departement_insee, date);
