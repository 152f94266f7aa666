-- name: invoice_superseded_sources
-- purpose: The file sources this run's precedence left unused (a preferred source holds the same
--   billing period and account), with the source used instead: each is a
--   superseded_invoice_source finding. Cost Explorer superseded by a CUR is the documented
--   hand-over, not a finding. Only periods this run loaded ($run_id, either side) are reported.
-- grain: one row per (billing period, superseded source family)
SELECT
    s.billing_period,
    s.source_family,
    min(s.source_format) AS source_format,
    min(s.superseded_by) AS superseded_by,
    min(w.source_format) AS winner_format,
    sum(s.lines) AS lines,
    CAST(sum(s.net_cost_usd) AS DECIMAL(38, 12)) AS net_cost_usd,
    count(DISTINCT s.account_id) AS accounts
FROM invoice_sources AS s
JOIN invoice_sources AS w
    ON w.billing_period = s.billing_period
    AND w.account_id = s.account_id
    AND w.source_family = s.superseded_by
WHERE NOT s.used
    AND s.source_format <> 'cost_explorer'
    AND (s.run_id = $run_id OR w.run_id = $run_id)
GROUP BY s.billing_period, s.source_family
ORDER BY 1, 2
