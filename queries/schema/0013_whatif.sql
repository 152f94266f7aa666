-- name: 0013_whatif
-- purpose: where the what-if re-ratings are kept (the `whatif` view). A what-if is computed for a
--   window of UTC days with settings ([whatif] in reconciler.toml, --move, --hit-rate), so it is
--   not a pure function of the facts like `spend`: `reconciler whatif` and the nightly `run`
--   materialise it here, replacing the rows of the same window (window_start, window_end); other
--   windows stay until they are recomputed. Query one window at a time (docs/whatif.md).
CREATE TABLE whatif_rows (
    window_start     DATE NOT NULL,
    window_end       DATE NOT NULL,
    scenario         VARCHAR NOT NULL,  -- routing_global | batch | tier | caching | provisioned | model_switch
    direction        VARCHAR NOT NULL,  -- opportunity | candidate | reverse | unchanged
    team             VARCHAR NOT NULL,
    application      VARCHAR NOT NULL,
    base_model       VARCHAR NOT NULL,
    region           VARCHAR NOT NULL,
    "from"           VARCHAR NOT NULL,
    "to"             VARCHAR NOT NULL,
    quantity         BIGINT NOT NULL,
    unit             VARCHAR NOT NULL,
    current_cost_usd DECIMAL(38, 12),   -- NULL only when the logged usage itself is unpriced
    whatif_cost_usd  DECIMAL(38, 12),   -- NULL when the scenario cannot be priced (never 0)
    savings_usd      DECIMAL(38, 12),   -- current - whatif; NULL when either is NULL
    priced           BOOLEAN NOT NULL,
    unpriced_reason  VARCHAR,
    assumption       VARCHAR NOT NULL,
    detail           VARCHAR,
    rank             INTEGER,
    command          VARCHAR NOT NULL,
    run_id           VARCHAR NOT NULL,
    computed_at      TIMESTAMP NOT NULL
);
