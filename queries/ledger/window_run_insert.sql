-- name: window_run_insert
-- purpose: Remember a window run: its dates, the fingerprint of its inputs and its stage results,
--   so the next run of the same window with the same inputs reuses them.
-- grain: one row per window run
INSERT INTO window_runs VALUES ($start, $end, $fingerprint, $stages, $run_id, $recorded_at)
