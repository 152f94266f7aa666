-- name: attribution_coverage
-- purpose: How much usage and spend each attribution rule explains: requests and tokens from
--   `invocations`, rated cost from `rated_usage` (its attribution_rule), and the rule's share of
--   the total rated cost. Unpriced usage has no cost; it is counted in unpriced_rows, never as $0.
--   Covers everything the database holds; filter `invocations`/`spend` yourself for a period.
-- grain: one row per attribution rule (rules[i].<kind>, default, fallback:request_metadata, unattributed)
-- column attribution_rule: the rule label, as in invocations.attribution_rule
-- column requests: requests whose team (or, without a team, application) this rule decided
-- column tokens: input + output + cache read + cache write tokens of those requests
-- column cost_usd: rated cost of priced rated_usage rows carrying this rule, USD; NULL when none
-- column cost_share: cost_usd / total rated cost over all rules, a ratio rounded to 6 places
-- column unpriced_rows: rated_usage rows of this rule without a price (cost unknown, not 0)
CREATE OR REPLACE VIEW attribution_coverage AS
WITH usage AS (
    SELECT attribution_rule,
           count(*) AS requests,
           CAST(sum(input_tokens + output_tokens + cache_read_input_tokens
                    + cache_write_input_tokens) AS BIGINT) AS tokens
    FROM invocations
    GROUP BY attribution_rule
),
spend AS (
    SELECT attribution_rule,
           CAST(sum(cost_usd) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd,
           count(*) FILTER (WHERE NOT priced) AS unpriced_rows
    FROM rated_usage
    GROUP BY attribution_rule
),
total AS (
    SELECT sum(cost_usd) FILTER (WHERE priced) AS total_usd FROM rated_usage
)
SELECT
    coalesce(u.attribution_rule, s.attribution_rule) AS attribution_rule,
    coalesce(u.requests, 0) AS requests,
    coalesce(u.tokens, 0) AS tokens,
    s.cost_usd,
    CASE WHEN t.total_usd IS NULL OR t.total_usd = 0 OR s.cost_usd IS NULL THEN NULL
         ELSE CAST(round(CAST(s.cost_usd AS DOUBLE) / CAST(t.total_usd AS DOUBLE), 6)
                   AS DECIMAL(9, 6)) END AS cost_share,
    coalesce(s.unpriced_rows, 0) AS unpriced_rows
FROM usage AS u
FULL OUTER JOIN spend AS s USING (attribution_rule)
CROSS JOIN total AS t;
