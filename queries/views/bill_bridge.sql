-- name: bill_bridge
-- purpose: Per billing period, the waterfall from the rated total to the invoiced total: a
--   `rated_total` step, one step per reconciliation cause (the sum of its deltas), and an
--   `invoiced_total` step. The steps sum exactly: rated_total plus every cause step equals
--   invoiced_total with no residual; sub-tolerance differences are the explicit `rounding` step.
-- grain: one row per billing period x step
-- column billing_period: first day of the usage month
-- column step: order within the period (0 = rated_total, last = invoiced_total)
-- column kind: start | cause | end
-- column name: rated_total | a reconciliation cause | invoiced_total
-- column amount_usd: the step's amount (for causes, the sum of delta_usd)
-- column running_total_usd: total after this step; the end step equals the invoiced total
-- column buckets: reconciliation rows behind the step
CREATE OR REPLACE VIEW bill_bridge AS
WITH per_cause AS (
    SELECT
        CAST(date_trunc('month', usage_date) AS DATE) AS billing_period,
        cause,
        CAST(sum(delta_usd) AS DECIMAL(38, 12)) AS amount_usd,
        count(*) AS buckets
    FROM reconciliation_rows
    WHERE cause IS NOT NULL
    GROUP BY ALL
),
totals AS (
    SELECT
        CAST(date_trunc('month', usage_date) AS DATE) AS billing_period,
        CAST(sum(coalesce(rated_cost_usd, 0)) AS DECIMAL(38, 12)) AS rated,
        CAST(sum(invoiced_cost_usd) AS DECIMAL(38, 12)) AS invoiced,
        count(*) AS buckets
    FROM reconciliation_rows
    GROUP BY ALL
),
steps AS (
    SELECT billing_period, 0 AS step, 'start' AS kind, 'rated_total' AS name, rated AS amount_usd,
           buckets
    FROM totals
    UNION ALL
    -- causes in bill-bridge order: vocab_causes (schema 0017_vocabulary)
    SELECT billing_period, CAST(v.position AS INTEGER), 'cause', cause, amount_usd, buckets
    FROM per_cause
    LEFT JOIN vocab_causes AS v USING (cause)
)
SELECT
    billing_period, step, kind, name, amount_usd,
    CAST(sum(amount_usd) OVER (PARTITION BY billing_period ORDER BY step) AS DECIMAL(38, 12))
        AS running_total_usd,
    buckets
FROM steps
UNION ALL
SELECT billing_period, 99, 'end', 'invoiced_total', invoiced, invoiced, buckets
FROM totals
ORDER BY billing_period, step;
