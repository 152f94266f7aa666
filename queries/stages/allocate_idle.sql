-- name: stages/allocate_idle
-- purpose: The idle part of provisioned-throughput charges: the net cost of model_unit_hours
--   lines during which no provisioned-mode traffic for that model, account and Region was logged
--   (usage_hourly_facts). Hourly invoice lines are judged hour by hour; a daily line counts as busy
--   when any traffic was logged that day. Parameters: $start, $end.
-- grain: usage_date x account_id x region x base_model x routing x tier x mode x charge
SELECT
    CAST(l.usage_start AS DATE) AS usage_date, l.account_id, l.region, l.base_model, l.routing,
    l.tier, l.mode, l.charge,
    CAST(sum(l.net_cost_usd) AS DECIMAL(38, 12)) AS idle_usd
FROM invoice_line_items AS l
WHERE l.charge = 'model_unit_hours'
    AND CAST(l.usage_start AS DATE) BETWEEN $start AND $end
    AND l.superseded_by IS NULL  -- only the source used (stages/invoice_precedence)
    AND l.line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
    -- as in stages/reconcile: Cost Explorer lines only where no CUR/FOCUS line covers the month
    AND (l.source_format <> 'cost_explorer' OR NOT EXISTS (
        SELECT 1 FROM invoice_line_items AS c
        WHERE c.source_format <> 'cost_explorer'
            AND c.billing_period = l.billing_period AND c.account_id = l.account_id))
    AND NOT EXISTS (
        SELECT 1 FROM usage_hourly_facts AS u
        WHERE u.account_id = l.account_id AND u.region = l.region
            AND u.base_model = l.base_model AND u.mode = 'provisioned'
            AND u.hour >= date_trunc('hour', l.usage_start) AND u.hour < l.usage_end
    )
GROUP BY ALL
