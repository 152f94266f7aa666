-- name: report/bill_bridge
-- purpose: The bill bridge steps (rated total -> causes -> invoiced total) of every billing period
--   that overlaps the report period. Bridges are per billing period (a whole month), not per day.
-- grain: billing_period x step
SELECT billing_period, step, kind, name, CAST(amount_usd AS DECIMAL(38, 12)) AS amount_usd
FROM bill_bridge
WHERE billing_period BETWEEN date_trunc('month', CAST($start AS DATE)) AND $end
ORDER BY billing_period, step;
