-- Durable jobs (src/jobs/): a bulk eligibility test is a job whose input file is kept in the
-- database, processed in chunks that each commit their result rows with the progress, so a job
-- survives a restart and resumes after its last committed chunk. Its result rows stay: the
-- result files are written from them, and a networks re-import re-tests them (change columns).
CREATE SCHEMA IF NOT EXISTS jobs;

CREATE TABLE jobs.job (
  id           text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('eligibility_bulk')),
  status       text NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
  input_name   text NOT NULL,
  input        bytea NOT NULL,
  input_sha256 text NOT NULL,
  options      jsonb NOT NULL DEFAULT '{}',
  -- how the file was read (separator, header, columns, mode)
  reading      jsonb,
  rows_total   integer,
  rows_done    integer NOT NULL DEFAULT 0,
  error        text,
  -- the process working on it, and when it last said so (a stale heartbeat frees the job)
  worker       text,
  heartbeat_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz
);
CREATE INDEX job_status_idx ON jobs.job (status, created_at);
CREATE INDEX job_input_idx ON jobs.job (input_sha256);

CREATE TABLE jobs.eligibility_row (
  job_id           text NOT NULL,
  row_no           integer NOT NULL,
  line             integer NOT NULL,
  fields           jsonb NOT NULL,
  input            text,
  status           text NOT NULL CHECK (status IN ('ok', 'not_geocoded', 'invalid')),
  reason           text,
  label            text,
  score            real,
  lon              double precision,
  lat              double precision,
  citycode         text,
  batid            text,
  installation     text,
  energy           text,
  type             text,
  eligible         boolean,
  distance_m       integer,
  id_fcu           integer,
  sncu_id          text,
  network_name     text,
  operator         text,
  enrr_rate        double precision,
  co2_acv          double precision,
  in_pdp           boolean,
  existing_status  text,
  future_status    text,
  untraced         boolean,
  networks_version integer,
  previous_type    text,
  change           text,
  changed_at       timestamptz,
  PRIMARY KEY (job_id, row_no)
);
