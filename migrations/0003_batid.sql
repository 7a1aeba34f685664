-- The BatID registry: one row per building ever identified (nothing is ever deleted), the
-- lifecycle events, the footprints whose match was unclear, and the crosswalk of the keys whose
-- history matters across millésimes (BDNB construction and group ids, RNB ids). No foreign keys:
-- src/ids/assign.ts is the only writer, and row-level FK checks tripled its bulk inserts.
CREATE TABLE batid.building (
  batid                  text PRIMARY KEY CHECK (batid ~ '^[1-9A-HJKMNP-TV-Z]{12}$'),
  code_departement_insee text NOT NULL,
  status                 text NOT NULL CHECK (status IN ('constructed', 'demolished', 'retired')),
  batiment_construction_id text,
  batiment_groupe_id     text,
  geom                   geometry(MultiPolygon, 2154),
  first_millesime        text,
  last_millesime         text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX building_dept_status_idx ON batid.building (code_departement_insee, status);
CREATE INDEX building_bc_idx ON batid.building (batiment_construction_id);
CREATE INDEX building_bg_idx ON batid.building (batiment_groupe_id);
-- no GiST on geom: spatial queries go through bdnb.batiment_construction (partitioned, indexed) and
-- batiment_construction_id; maintaining one here doubled the cost of a first import's assignment.

CREATE TABLE batid.event (
  event_id               bigserial PRIMARY KEY,
  at                     timestamptz NOT NULL DEFAULT clock_timestamp(),
  kind                   text NOT NULL CHECK (kind IN ('creation', 'update', 'merge', 'split', 'demolition')),
  batid                  text NOT NULL,
  code_departement_insee text NOT NULL,
  parents                text[] NOT NULL DEFAULT '{}',
  children               text[] NOT NULL DEFAULT '{}',
  run_id                 bigint,
  millesime              text,
  detail                 jsonb
);
CREATE INDEX event_at_idx ON batid.event (at, event_id);
CREATE INDEX event_batid_idx ON batid.event (batid);
-- successors of a retired BatID and the events naming a building as parent or child
CREATE INDEX event_parents_gin ON batid.event USING gin (parents);
CREATE INDEX event_children_gin ON batid.event USING gin (children);

-- Old buildings and new footprints that matched neither clearly (10% ≤ cover < 85%): queued for
-- review with both shapes, never guessed. The old buildings stay as they were meanwhile.
CREATE TABLE batid.conflict (
  conflict_id            bigserial PRIMARY KEY,
  code_departement_insee text NOT NULL,
  run_id                 bigint,
  millesime              text,
  old_batids             text[] NOT NULL,
  new_construction_ids   text[] NOT NULL,
  old_geom               geometry(MultiPolygon, 2154),
  new_geom               geometry(MultiPolygon, 2154),
  pairs                  jsonb NOT NULL,
  status                 text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conflict_dept_idx ON batid.conflict (code_departement_insee, status);

CREATE TABLE batid.id_link (
  scheme                 text NOT NULL CHECK (scheme IN ('bdnb_bc', 'bdnb_bg', 'rnb')),
  external_id            text NOT NULL,
  batid                  text NOT NULL,
  code_departement_insee text NOT NULL,
  first_millesime        text,
  last_millesime         text,
  active                 boolean NOT NULL DEFAULT true,
  PRIMARY KEY (scheme, external_id, batid)
);
CREATE INDEX id_link_batid_idx ON batid.id_link (batid);
