-- name: whatif_window_key
-- purpose: What the stored what-if of exactly the window $start..$end was computed from (its
--   inputs key) and the stage result it reported; no row when the window was never stored.
-- grain: one row per window (at most one)
SELECT inputs_key, stage
FROM whatif_windows
WHERE window_start = $start AND window_end = $end;
