-- name: whatif_base
-- purpose: The rated usage of the UTC days $start..$end (inclusive) that every what-if scenario
--   re-rates: the `spend` view's rows as they are, one base_key each, and an empty table of
--   moves that the scenario files fill. current cost = the spend row's cost_usd (NULL when the
--   usage itself is unpriced), so summing any scenario's current cost gives the spend total.
--   Temporary tables: a what-if can be computed on a read-only connection.
-- grain: one row per spend row of the window
-- One row per (scenario, direction, spend row, part): the key the spend row is re-priced at. A
-- target column left NULL keeps the spend row's own value (a scenario sets only what it changes);
-- direction unchanged has no target (what-if cost = current cost). A row may be split into
-- parts (caching candidates: part read from the cache, part written to it); its current cost is
-- counted once, on part 1, and it is priced only when all its `parts` are.
CREATE OR REPLACE TEMP TABLE wf_moves (
    scenario       VARCHAR NOT NULL,
    direction      VARCHAR NOT NULL,
    base_key       BIGINT NOT NULL,
    part           INTEGER NOT NULL,
    parts          INTEGER NOT NULL DEFAULT 1,  -- how many parts the spend row is split into
    from_label     VARCHAR NOT NULL,
    to_label       VARCHAR NOT NULL,
    assumption     VARCHAR NOT NULL,
    t_base_model   VARCHAR,
    t_routing      VARCHAR,
    t_tier         VARCHAR,
    t_mode         VARCHAR,
    t_charge       VARCHAR,
    t_context_tier VARCHAR,
    t_quantity     BIGINT
);

-- The spend rows of the window (last statement: it carries the bound parameters).
CREATE OR REPLACE TEMP TABLE wf_base AS
SELECT
    row_number() OVER () AS base_key,
    usage_date, account_id, region, base_model, routing, tier, mode, charge, context_tier, team,
    application, quantity, unit, requests, cost_usd, priced, unpriced_reason
FROM spend
WHERE usage_date >= $start AND usage_date <= $end;
