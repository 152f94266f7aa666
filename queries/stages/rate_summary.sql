-- name: stages/rate_summary
-- purpose: What the rate stage did over the window [$start, $end] (inclusive DATEs), for its
--   StageResult: the hourly facts it read, the rated rows it wrote, the unpriced ones by reason
--   (findings, never $0) and their quantity, and the exact list cost, discount and cost.
-- grain: one row
SELECT
    (SELECT count(*) FROM usage_hourly_facts
     WHERE hour >= CAST($start AS TIMESTAMP)
       AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)) AS facts,
    count(*) AS rows_out,
    count(*) FILTER (WHERE NOT priced) AS unpriced,
    count(*) FILTER (WHERE unpriced_reason = 'unknown_model') AS unknown_model,
    count(*) FILTER (WHERE unpriced_reason = 'no_price') AS no_price,
    coalesce(sum(quantity) FILTER (WHERE NOT priced), 0) AS unpriced_quantity,
    coalesce(sum(list_cost_usd), 0) AS list_cost_usd,
    coalesce(sum(discount_usd), 0) AS discount_usd,
    coalesce(sum(cost_usd), 0) AS cost_usd
FROM rated_usage
WHERE usage_date BETWEEN $start AND $end
