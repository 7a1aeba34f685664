-- The results workbook of a bulk job (0014) now goes in 1 MB parts (src/jobs/parts.ts,
-- src/jobs/result-file.ts): no statement carries the whole file (PGlite's memory grows with the
-- largest message it is sent, for good; a 50 MB input makes a ~165 MB workbook), and the parts
-- are written one statement each, without a transaction that would hold PGlite's single engine
-- for the whole file. A workbook counts only once its head row is in, written after its parts.
-- 0014's table was a cache of what the rows give: dropped, not converted.
DROP TABLE jobs.result_file;
CREATE TABLE jobs.result_file (
  job_id           text PRIMARY KEY,
  networks_version integer NOT NULL,
  parts            integer NOT NULL,
  size             bigint NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE jobs.result_file_part (
  job_id text NOT NULL,
  part   integer NOT NULL,
  bytes  bytea NOT NULL,
  PRIMARY KEY (job_id, part)
);
-- a zip does not compress again: keep the parts out of line without trying (TOAST's pglz would)
ALTER TABLE jobs.result_file_part ALTER COLUMN bytes SET STORAGE EXTERNAL;
