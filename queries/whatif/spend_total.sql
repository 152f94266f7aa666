-- name: whatif_spend_total
-- purpose: The `spend` view's total for the UTC days $start..$end (inclusive) that every
--   scenario's current cost ties to, its spend rows that are unpriced today (findings of rating,
--   not of the what-if) and how many spend rows there are (0 = nothing rated to re-rate).
-- grain: one row
SELECT coalesce(sum(cost_usd), 0) AS spend_total_usd,
       count(*) FILTER (WHERE NOT priced) AS unpriced_rows,
       count(*) AS spend_rows
FROM spend
WHERE usage_date >= $start AND usage_date <= $end;
