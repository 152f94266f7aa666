-- name: metrics_window
-- purpose: Record that a metrics window was pulled for one account and Region, so the coverage
--   views compare only hours for which metrics exist.
-- grain: one row per pulled window
INSERT INTO bedrock_metrics_windows
    (account_id, region, window_start, window_end, series, incomplete_series, run_id, ingested_at)
VALUES
    ($account_id, $region, $window_start, $window_end, $series, $incomplete_series, $run_id,
     $ingested_at);
