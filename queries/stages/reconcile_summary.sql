-- name: stages/reconcile_summary
-- purpose: What the reconcile stage wrote for the usage dates [$start, $end] (inclusive DATEs),
--   per cause ('exact' for buckets that agree exactly): buckets, gaps (findings), and the exact
--   rated, invoiced and gap amounts.
-- grain: one row per cause
SELECT coalesce(cause, 'exact') AS cause, count(*) AS n,
       count(*) FILTER (WHERE status = 'gap') AS gaps,
       CAST(coalesce(sum(coalesce(rated_cost_usd, 0)), 0) AS DECIMAL(38, 12)) AS rated,
       CAST(coalesce(sum(invoiced_cost_usd), 0) AS DECIMAL(38, 12)) AS invoiced,
       CAST(coalesce(sum(delta_usd) FILTER (WHERE status = 'gap'), 0) AS DECIMAL(38, 12))
           AS gap_usd
FROM reconciliation_rows
WHERE usage_date BETWEEN $start AND $end
GROUP BY ALL
ORDER BY cause
