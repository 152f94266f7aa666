-- name: window_run_latest
-- purpose: The latest window run of any window: only it may be reused (another window's run
--   rewrites shared derived rows).
-- grain: at most one row
SELECT start_date, end_date, fingerprint, stages FROM window_runs
ORDER BY recorded_at DESC
LIMIT 1
