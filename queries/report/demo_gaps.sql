-- name: report/demo_gaps
-- purpose: Every reconciliation bucket of the period that is not an exact match (cause set), for
--   the demo's one-line-per-gap listing: gaps and the within-tolerance differences (rounding, a
--   x1000 unit misread whose dollars agree) alike. The model column falls back to the usage type
--   (unmapped usage types) or the line item type (untied credits, taxes, fees).
-- grain: one reconciliation row
SELECT usage_date, account_id, region,
       coalesce(base_model, usage_type, line_item_type, '-') AS what,
       coalesce(routing, '-') AS routing,
       coalesce(charge, '-') AS charge,
       CAST(delta_usd AS DECIMAL(38, 12)) AS delta_usd,
       status, cause, explanation
FROM reconciliation
WHERE usage_date BETWEEN $start AND $end AND cause IS NOT NULL
ORDER BY usage_date, account_id, region, what, routing, charge;
