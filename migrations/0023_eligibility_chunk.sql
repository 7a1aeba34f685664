-- A bulk job's results are kept by chunk (src/jobs/eligibility-job.ts, CHUNK_ROWS = 2,000 rows),
-- one row each, instead of one row per result: the job writes a chunk in one statement, with
-- its counts. Before, COPYing a chunk's 2,000 rows into jobs.eligibility_row (parsed row by row,
-- its primary key kept) took PGlite 19–26 ms of the embedded server's only thread (1.0 s of a
-- 100,000-row job, measured), and PostgreSQL as much on the second core; one chunk's value
-- takes 7–9 ms (BENCHMARKS.md "bulk").
--
-- `body` is a JSON array of the chunk's rows, each an array in the order of
-- src/jobs/bulk-results.ts STORED_COLUMNS (its first 28 entries are an evaluation's, then
-- previous_type, change, changed_at, which only a re-test sets). Stored as text, not jsonb:
-- nothing is parsed on the way in, and it is read whole. Not compressed (STORAGE EXTERNAL):
-- pglz on each chunk cost more than the statement itself.
CREATE TABLE jobs.eligibility_chunk (
  job_id           text NOT NULL,
  first_row        integer NOT NULL,
  rows             integer NOT NULL CHECK (rows > 0),
  -- how many of its rows were found (status ok), not found, invalid, eligible, changed by a re-test
  tested           integer NOT NULL,
  not_geocoded     integer NOT NULL,
  invalid          integer NOT NULL,
  eligible         integer NOT NULL,
  changed          integer NOT NULL DEFAULT 0,
  -- the networks its found rows were last decided on (a re-test brings them all to the newest)
  networks_version integer NOT NULL,
  body             text NOT NULL,
  PRIMARY KEY (job_id, first_row)
);
ALTER TABLE jobs.eligibility_chunk ALTER COLUMN body SET STORAGE EXTERNAL;

INSERT INTO jobs.eligibility_chunk
  (job_id, first_row, rows, tested, not_geocoded, invalid, eligible, changed, networks_version, body)
SELECT job_id, min(row_no), count(*),
       count(*) FILTER (WHERE status = 'ok'),
       count(*) FILTER (WHERE status = 'not_geocoded'),
       count(*) FILTER (WHERE status = 'invalid'),
       count(*) FILTER (WHERE eligible),
       count(*) FILTER (WHERE change IS NOT NULL),
       coalesce(min(networks_version) FILTER (WHERE status = 'ok'), min(networks_version), 0),
       json_agg(json_build_array(row_no, line, fields, input, status, reason, label, score, lon, lat,
                  citycode, batid, installation, energy, type, eligible, distance_m, id_fcu, sncu_id,
                  network_name, operator, enrr_rate, co2_acv, in_pdp, existing_status, future_status,
                  untraced, networks_version, previous_type, change,
                  to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
                ORDER BY row_no)::text
  FROM jobs.eligibility_row
 GROUP BY job_id, row_no / 2000;

DROP TABLE jobs.eligibility_row;

-- The rows of the chunks as a table, for SQL (ad hoc questions, tests): read-only, and it parses
-- every chunk it reads — the application reads the chunks.
CREATE VIEW jobs.eligibility_row AS
SELECT c.job_id,
       (r->>0)::integer AS row_no,
       (r->>1)::integer AS line,
       (r->2)::jsonb AS fields,
       r->>3 AS input,
       r->>4 AS status,
       r->>5 AS reason,
       r->>6 AS label,
       (r->>7)::real AS score,
       (r->>8)::double precision AS lon,
       (r->>9)::double precision AS lat,
       r->>10 AS citycode,
       r->>11 AS batid,
       r->>12 AS installation,
       r->>13 AS energy,
       r->>14 AS type,
       (r->>15)::boolean AS eligible,
       (r->>16)::integer AS distance_m,
       (r->>17)::integer AS id_fcu,
       r->>18 AS sncu_id,
       r->>19 AS network_name,
       r->>20 AS operator,
       (r->>21)::double precision AS enrr_rate,
       (r->>22)::double precision AS co2_acv,
       (r->>23)::boolean AS in_pdp,
       r->>24 AS existing_status,
       r->>25 AS future_status,
       (r->>26)::boolean AS untraced,
       (r->>27)::integer AS networks_version,
       r->>28 AS previous_type,
       r->>29 AS change,
       (r->>30)::timestamptz AS changed_at
  FROM jobs.eligibility_chunk c, json_array_elements(c.body::json) AS r;
