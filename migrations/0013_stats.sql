-- Public statistics (issue 11 §4): how many addresses were tested for heat-network eligibility,
-- per day and kind (a single test through GET /v1/eligibility, or a row of a bulk job), and how
-- many of them were eligible. Counts only: no address, no key, no person.
CREATE SCHEMA IF NOT EXISTS stats;

CREATE TABLE stats.eligibility_test (
  day      date NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('single', 'bulk')),
  n        bigint NOT NULL DEFAULT 0 CHECK (n >= 0),
  eligible bigint NOT NULL DEFAULT 0 CHECK (eligible >= 0 AND eligible <= n),
  PRIMARY KEY (day, kind)
);
