-- name: report/no_token_requests
-- purpose: Requests of the UTC days [$start, $end] with no tokens at all (blocked by a guardrail,
--   or failed): they make no usage rows, so `spend` never counts them, but they are requests a
--   team made. Grouped by the --by dimensions $by that apply to a request (team, application,
--   model, account, region, routing, rule; as the aggregation fills them: an unresolved model is
--   its logged id, an unknown routing 'unknown'), plus the total row (is_total); a dimension
--   that does not apply to such a request (charge, tier ...) keys them all as ''.
-- grain: one row per group of $by, plus one total row
WITH keyed AS (
    SELECT
        [coalesce(CASE d
            WHEN 'team' THEN team
            WHEN 'application' THEN application
            WHEN 'model' THEN coalesce(base_model, model_id)
            WHEN 'account' THEN account_id
            WHEN 'region' THEN region
            WHEN 'routing' THEN coalesce(routing, 'unknown')
            WHEN 'rule' THEN attribution_rule
         END, '') FOR d IN $by] AS keys
    FROM invocations
    WHERE event_time >= CAST($start AS TIMESTAMP)
      AND event_time < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY
      AND coalesce(input_tokens, 0) = 0 AND coalesce(output_tokens, 0) = 0
      AND coalesce(cache_read_input_tokens, 0) = 0 AND coalesce(cache_write_input_tokens, 0) = 0
)
SELECT keys, grouping(keys) = 1 AS is_total, count(*) AS requests
FROM keyed
GROUP BY GROUPING SETS ((keys), ())
