-- name: report/demo_bridge
-- purpose: The bill bridge of every billing period the demo window touches, with the running
--   total and the number of reconciliation buckets behind each step.
-- grain: billing_period x step
SELECT billing_period, name,
       CAST(amount_usd AS DECIMAL(38, 12)) AS amount_usd,
       CAST(running_total_usd AS DECIMAL(38, 12)) AS running_total_usd,
       buckets
FROM bill_bridge
WHERE billing_period BETWEEN CAST(date_trunc('month', CAST($start AS DATE)) AS DATE)
                         AND CAST(date_trunc('month', CAST($end AS DATE)) AS DATE)
ORDER BY billing_period, step;
