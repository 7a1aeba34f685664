-- BatID's own bookkeeping. BDNB tables live in schema bdnb (0002), under their export names.
CREATE SCHEMA IF NOT EXISTS bdnb;

CREATE TABLE batid.import_run (
  run_id      bigserial PRIMARY KEY,
  source      text NOT NULL,
  millesime   text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed'))
);

-- One line per table file loaded into one département partition.
CREATE TABLE batid.import_file (
  run_id         bigint NOT NULL REFERENCES batid.import_run (run_id),
  table_name     text NOT NULL,
  code_departement_insee text NOT NULL,
  file           text NOT NULL,
  rows_imported  bigint NOT NULL,
  rows_rejected  bigint NOT NULL,
  rows_duplicate bigint NOT NULL,
  warnings       bigint NOT NULL,
  millesime      text,
  imported_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, table_name, code_departement_insee)
);

-- What each BDNB table holds now, per département: the source of every card section.
CREATE TABLE batid.source_version (
  table_name     text NOT NULL,
  code_departement_insee text NOT NULL,
  millesime      text,
  file           text NOT NULL,
  run_id         bigint NOT NULL,
  rows_imported  bigint NOT NULL,
  imported_at    timestamptz NOT NULL,
  PRIMARY KEY (table_name, code_departement_insee)
);
