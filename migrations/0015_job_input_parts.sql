-- A bulk job's input file in 1 MB parts (src/jobs/parts.ts): no statement carries a whole upload
-- (up to 50 MB), so PGlite's memory does not grow with it for good. The parts are written before
-- the job's row (a job is claimable only with its whole input), one statement each.
-- jobs.job.input stays for the jobs created before, read as it was.
CREATE TABLE jobs.job_input (
  job_id text NOT NULL,
  part   integer NOT NULL,
  bytes  bytea NOT NULL,
  PRIMARY KEY (job_id, part)
);
ALTER TABLE jobs.job ALTER COLUMN input DROP NOT NULL;
