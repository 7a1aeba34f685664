-- An embedded database keeps a job's input and its results workbook as files beside it
-- (src/jobs/job-files.ts: `<data dir>.jobs/<job id>/`) instead of in 1 MB parts: writing and
-- reading back the parts held PGlite's single engine ~0.8 s per 100,000-row job (BENCHMARKS.md
-- "bulk"). A server database keeps its parts (its processes share only the database). The
-- workbook's head row stays, written after its file: it is what makes the file count, with the
-- networks version the file was written at.
ALTER TABLE jobs.result_file ADD COLUMN in_file boolean NOT NULL DEFAULT false;
