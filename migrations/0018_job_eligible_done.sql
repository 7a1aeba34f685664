-- How many of a job's committed rows (rows_done) are eligible, kept with its progress by each
-- heartbeat (src/jobs/job-store.ts), so that a finished job adds its rows to the public
-- statistics (src/stats/usage.ts addBulkJobTests) without counting them again from
-- jobs.eligibility_row (a 100,000-row job: 0.12 s, in the transaction that marks it done). NULL
-- for a job whose progress was written before: its rows are counted as before.
ALTER TABLE jobs.job ADD COLUMN eligible_done integer;
