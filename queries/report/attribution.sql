-- name: report/attribution
-- purpose: How much each attribution rule explains (requests, rated cost, share of rated cost),
--   as the attribution_coverage view gives it: over everything the database holds.
-- grain: attribution rule
SELECT attribution_rule, requests,
       CAST(cost_usd AS DECIMAL(38, 12)) AS cost_usd,
       CAST(cost_share AS DECIMAL(38, 12)) AS cost_share
FROM attribution_coverage
ORDER BY cost_usd DESC NULLS LAST, requests DESC, attribution_rule;
