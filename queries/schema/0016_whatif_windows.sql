-- name: 0016_whatif_windows
-- purpose: what each window's stored what-if (whatif_rows) was computed from, so that the nightly
--   `run` recomputes it only when something it depends on changed: inputs_key is a fingerprint of
--   the window's rated usage and hourly usage, the prices and discounts, the what-if code and SQL,
--   and the what-if settings ([whatif], --move, --hit-rate, --scenario). A `run` whose key equals
--   the stored one reuses the stored rows and stage result; any changed setting or input
--   recomputes (queries/whatif/inputs_key.sql, docs/whatif.md).
CREATE TABLE whatif_windows (
    window_start DATE NOT NULL,
    window_end   DATE NOT NULL,
    inputs_key   VARCHAR NOT NULL,
    stage        VARCHAR NOT NULL,   -- the stage result (JSON) the computation reported
    run_id       VARCHAR NOT NULL,
    computed_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (window_start, window_end)
);
