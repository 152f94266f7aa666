-- name: report/spend_groups
-- purpose: The spend report (`reconciler report --basis list`): the `spend` rows of the UTC days
--   [$start, $end] grouped by the --by dimensions $by (a list of names, in order: team,
--   application, model, account, region, routing, tier, mode, charge, context_tier, rule; a NULL
--   key is ''), plus the total row (is_total). Unpriced rows add nothing to the costs: a group
--   with nothing priced has NULL cost (never $0), and its tokens are counted in unpriced_tokens.
--   Requests are counted once across charges (requests_counted), or per charge when $per_charge
--   (grouped by charge).
-- grain: one row per group of $by, plus one total row
WITH keyed AS (
    SELECT
        [coalesce(CASE d
            WHEN 'team' THEN team
            WHEN 'application' THEN application
            WHEN 'model' THEN base_model
            WHEN 'account' THEN account_id
            WHEN 'region' THEN region
            WHEN 'routing' THEN routing
            WHEN 'tier' THEN tier
            WHEN 'mode' THEN mode
            WHEN 'charge' THEN charge
            WHEN 'context_tier' THEN context_tier
            WHEN 'rule' THEN attribution_rule
         END, '') FOR d IN $by] AS keys,
        cost_usd, list_cost_usd, discount_usd, quantity, unit, priced,
        CASE WHEN $per_charge THEN requests ELSE requests_counted END AS counted
    FROM spend
    WHERE usage_date >= $start AND usage_date <= $end
)
SELECT
    keys,
    grouping(keys) = 1 AS is_total,
    sum(cost_usd) AS cost_usd,
    sum(list_cost_usd) AS list_cost_usd,
    sum(discount_usd) AS discount_usd,
    coalesce(sum(quantity) FILTER (WHERE unit = 'token'), 0) AS tokens,
    coalesce(sum(counted), 0) AS requests,
    coalesce(sum(quantity) FILTER (WHERE unit = 'token' AND NOT priced), 0) AS unpriced_tokens,
    count(*) FILTER (WHERE NOT priced) AS unpriced_rows
FROM keyed
GROUP BY GROUPING SETS ((keys), ())
