-- The networks version a re-test last brought a job's rows to (src/jobs/retest.ts), kept with
-- the job: sending its stored workbook (src/jobs/result-file.ts storedResult) checks it instead
-- of the newest version among the job's rows, which read every row (a 100,000-row job: 0.3 s on
-- PostgreSQL, before the first byte of the download). NULL: never re-tested. A job's own rows all
-- carry the version its workbook is stored with, so only a re-test makes them newer.
ALTER TABLE jobs.job ADD COLUMN rows_version integer;
UPDATE jobs.job j SET rows_version = r.v
  FROM (SELECT job_id, max(networks_version) AS v FROM jobs.eligibility_row GROUP BY job_id) r
 WHERE r.job_id = j.id;
