-- name: export/focus_allocated
-- purpose: The allocated invoiced cost (allocated_spend, whole cents that sum to the invoice) of
--   the export window, one row per day x account x team x application x model x charge, in a
--   stable order so that the same database always exports the same bytes.
-- grain: usage_date x account_id x team x application x base_model x charge
SELECT usage_date, account_id, team, application, base_model, charge,
       CAST(allocated_usd AS DECIMAL(38, 12)) AS allocated_usd, lines, basis
FROM allocated_spend
WHERE usage_date BETWEEN $start AND $end
ORDER BY usage_date, account_id NULLS LAST, team, application, base_model NULLS LAST, charge,
         lines, basis;
