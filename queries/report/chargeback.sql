-- name: report/chargeback
-- purpose: What each team and application owes per billing period: the allocated invoiced cost
--   of `allocated_spend` with its parts, for the billing periods from $start to $end (first days
--   of months). The chargeback report (`reconciler report --basis invoice`) groups these rows
--   further by its `--by` keys; every amount is whole cents and a period's rows sum to its
--   invoiced total to the cent.
-- grain: billing_period x team x application x base_model x account_id x charge
SELECT billing_period, team, application, coalesce(base_model, '') AS base_model,
       coalesce(account_id, '') AS account_id, charge,
       CAST(sum(allocated_usd) AS DECIMAL(38, 12)) AS amount_usd,
       CAST(sum(usage_usd) AS DECIMAL(38, 12)) AS usage_usd,
       CAST(sum(non_token_usd) AS DECIMAL(38, 12)) AS non_token_usd,
       CAST(sum(idle_usd) AS DECIMAL(38, 12)) AS idle_usd,
       CAST(sum(credit_usd) AS DECIMAL(38, 12)) AS credit_usd,
       CAST(sum(tax_or_fee_usd) AS DECIMAL(38, 12)) AS tax_or_fee_usd,
       CAST(sum(unattributed_usd) AS DECIMAL(38, 12)) AS unattributed_usd,
       string_agg(DISTINCT basis, ',' ORDER BY basis) AS basis
FROM allocated_spend
WHERE billing_period BETWEEN $start AND $end
GROUP BY ALL
ORDER BY ALL;
