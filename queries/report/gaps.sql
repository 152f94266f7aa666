-- name: report/gaps
-- purpose: Reconciliation rows beyond tolerance (status 'gap') in the report period, biggest
--   absolute delta first, with their likely cause and the one-line explanation.
-- grain: one reconciliation row
SELECT usage_date, account_id, region, base_model, charge,
       CAST(logged_quantity AS DECIMAL(38, 12)) AS logged_quantity,
       CAST(invoiced_quantity AS DECIMAL(38, 12)) AS invoiced_quantity,
       CAST(rated_cost_usd AS DECIMAL(38, 12)) AS rated_cost_usd,
       CAST(invoiced_cost_usd AS DECIMAL(38, 12)) AS invoiced_cost_usd,
       CAST(delta_usd AS DECIMAL(38, 12)) AS delta_usd,
       cause, explanation
FROM reconciliation
WHERE status = 'gap' AND usage_date BETWEEN $start AND $end
ORDER BY abs(delta_usd) DESC NULLS LAST, usage_date, account_id, region, base_model, charge;
