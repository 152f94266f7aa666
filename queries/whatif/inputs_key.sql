-- name: whatif_inputs_key
-- purpose: A fingerprint of the data a what-if of the UTC days $start..$end reads: the window's
--   rated usage (the `spend` rows every scenario re-rates), its hourly usage (provisioned sizes
--   model units from the busiest hour), and the whole of prices and discounts (targets are priced
--   on each usage day). Row counts plus an XOR of row hashes, as in
--   queries/stages/window_fingerprint.sql; run ids and load times are left out, so recomputing the
--   same rows is no change. The caller adds the settings and the code version to it.
-- grain: one row
SELECT concat_ws('|',
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(
                usage_date, account_id, region, base_model, routing, tier, mode, charge,
                context_tier, team, application, attribution_rule, quantity, unit, cost_usd,
                price_id, priced, unpriced_reason, requests)), 0)
     FROM rated_usage
     WHERE usage_date >= $start AND usage_date <= $end),
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(
                hour, account_id, region, base_model, model_resolved, routing, tier, mode, charge,
                context_tier, team, application, quantity, unit)), 0)
     FROM usage_hourly_facts
     WHERE hour >= CAST($start AS TIMESTAMP)
       AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)),
    prices_digest(),
    discounts_digest()
) AS inputs_key;
