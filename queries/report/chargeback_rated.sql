-- name: report/chargeback_rated
-- purpose: Rated (list-price, after negotiated discounts) cost per billing period at the
--   chargeback's grain, shown next to what each team owes so that a difference is visible.
--   Priced rows only: unpriced usage is counted in the spend report, never summed as $0.
-- grain: billing_period x team x application x base_model x account_id x charge
SELECT CAST(date_trunc('month', usage_date) AS DATE) AS billing_period, team, application,
       coalesce(base_model, '') AS base_model, coalesce(account_id, '') AS account_id, charge,
       CAST(sum(cost_usd) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS rated_usd
FROM spend
WHERE usage_date BETWEEN $start AND $end
GROUP BY ALL
ORDER BY ALL;
