-- name: run_finish
-- purpose: How a run ended: when, its status (ok | findings | failed), exit code and summary
--   (JSON: the stage results, and the error of a failed run).
-- grain: one row per run
UPDATE run_log
SET finished_at = $finished_at, status = $status, exit_code = $exit_code, summary = $summary
WHERE run_id = $run_id
