-- name: stages/allocate_buckets
-- purpose: The invoiced cost of every reconciliation bucket of the billing periods being
--   allocated (the amounts the allocate stage splits to teams). Parameters: $start, $end.
-- grain: one row per reconciliation_rows row with a non-zero invoiced cost
SELECT
    usage_date, account_id, region, base_model, routing, tier, mode, charge, line_item_type,
    cause, logged_quantity, invoiced_cost_usd
FROM reconciliation_rows
WHERE usage_date BETWEEN $start AND $end AND invoiced_cost_usd <> 0
ORDER BY ALL
