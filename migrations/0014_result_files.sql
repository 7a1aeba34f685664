-- The results workbook of a bulk eligibility job, written while the job ran, on a second thread
-- (src/jobs/live-results-xlsx.ts): the download sends it as is while the job's rows are still the
-- ones it was written from (same networks version: a re-test bumps it), and rebuilds it from the
-- rows otherwise (src/jobs/result-file.ts).
CREATE TABLE jobs.result_file (
  job_id           text PRIMARY KEY,
  networks_version integer NOT NULL,
  xlsx             bytea NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
