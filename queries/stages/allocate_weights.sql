-- name: stages/allocate_weights
-- purpose: Each team's and application's rated cost and quantity per reconciliation key (routing
--   folded as in stages/reconcile), the weights invoiced cost is split by. Parameters: $start, $end.
-- grain: usage_date x account_id x region x base_model x routing x tier x mode x charge x team x
--   application
SELECT
    usage_date, account_id, region, base_model,
    billed_routing(routing) AS routing,  -- macro of views/price_book.sql
    tier, mode, charge, team, application,
    CAST(coalesce(sum(cost_usd), 0) AS DECIMAL(38, 12)) AS cost_usd,
    CAST(sum(quantity) AS BIGINT) AS quantity,
    bool_and(priced) AS priced
FROM rated_usage
WHERE usage_date BETWEEN $start AND $end
GROUP BY ALL
ORDER BY ALL
