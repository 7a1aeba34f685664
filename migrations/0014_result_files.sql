-- The results workbook of a bulk eligibility job, written while the job ran, on a second thread
-- (src/jobs/live-results-xlsx.ts): the download sends it as is while the job's rows are still the
-- ones it was written from (same networks version: a re-test bumps it), and rebuilds it from the
-- rows otherwise (src/jobs/result-file.ts). Kept in parts of 1 MB, written in one transaction:
-- no statement carries the whole file (PGlite's memory grows with its largest message, for good).
CREATE TABLE jobs.result_file (
  job_id           text NOT NULL,
  part             integer NOT NULL,
  networks_version integer NOT NULL,
  bytes            bytea NOT NULL,
  PRIMARY KEY (job_id, part)
);
-- a zip does not compress again: keep the parts out of line without trying (TOAST's pglz would)
ALTER TABLE jobs.result_file ALTER COLUMN bytes SET STORAGE EXTERNAL;
