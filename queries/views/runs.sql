-- name: runs
-- purpose: One row per command run: what ran, when, how it ended and its summary.
-- grain: one row per run_id
-- column run_id: run identifier (also on every fact row the run wrote)
-- column command: the CLI command line verb, e.g. "ingest logs"
-- column started_at: UTC start time
-- column finished_at: UTC end time; NULL while running or if the process was killed
-- column status: running | ok | findings | failed | abandoned (killed before it finished)
-- column exit_code: the process exit code (see docs/exit-codes.md)
-- column summary: the run summary as JSON (stage counts, problems by reason, amounts)
CREATE OR REPLACE VIEW runs AS
SELECT run_id, command, started_at, finished_at, status, exit_code, summary
FROM run_log;
