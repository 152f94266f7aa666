-- name: report/gaps_csv
-- purpose: The gaps of the usage dates [$start, $end] for gaps-<window>.csv (`reconciler run`),
--   largest absolute delta first; the CSV header is these column names.
-- grain: one reconciliation row with status gap
SELECT usage_date, account_id, region, base_model, routing, tier, mode, charge, logged_quantity,
       invoiced_quantity, rated_cost_usd, invoiced_cost_usd, delta_usd, cause, explanation
FROM reconciliation
WHERE status = 'gap' AND usage_date BETWEEN $start AND $end
ORDER BY abs(delta_usd) DESC, usage_date, account_id, region, base_model, charge
