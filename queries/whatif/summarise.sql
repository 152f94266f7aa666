-- name: whatif_summarise
-- purpose: The what-if rows: the priced moves summed per scenario, direction, team, application,
--   model, Region and change (from -> to). current_cost_usd is the spend rows' cost (each spend
--   row counted once per scenario outside direction alternative, so a scenario's current cost
--   over its other rows sums to the window's spend total; an alternative row re-prices usage
--   that another row of the scenario already carries); whatif_cost_usd is the sum of its moves' costs, NULL when any move of a row has no
--   price (unpriced_reason no_target_price) or the usage itself is unpriced (current_unpriced):
--   such rows are kept apart from priced ones and never count as $0. Unchanged rows carry their
--   current cost as what-if cost. Caching 'actual' rows become opportunity when the cache cost
--   more than it saved (savings > 0), else reverse. Candidates are ranked per scenario by the
--   current cost of their team and application (1 = largest).
-- grain: scenario × direction × team × application × base_model × region × from × to × unpriced_reason
CREATE OR REPLACE TEMP TABLE wf_result AS
WITH priced_sum AS (
    SELECT scenario, direction, base_key, sum(cost_usd) AS target_cost, count(*) AS priced_parts
    FROM wf_priced
    GROUP BY scenario, direction, base_key
),
rows AS (
    SELECT m.scenario, m.direction, m.from_label, m.to_label, m.assumption,
           b.team, b.application, b.base_model, b.region, b.quantity, b.unit, b.charge,
           b.cost_usd AS current_cost,
           CASE WHEN NOT b.priced THEN NULL
                WHEN m.direction = 'unchanged' THEN b.cost_usd
                WHEN coalesce(ps.priced_parts, 0) = m.parts THEN ps.target_cost END
               AS whatif_cost,
           CASE WHEN NOT b.priced THEN 'current_unpriced'
                WHEN m.direction <> 'unchanged' AND coalesce(ps.priced_parts, 0) <> m.parts
                THEN 'no_target_price' END AS unpriced_reason
    FROM wf_moves AS m
    JOIN wf_base AS b USING (base_key)
    LEFT JOIN priced_sum AS ps USING (scenario, direction, base_key)
    WHERE m.part = 1
),
grouped AS (
    SELECT scenario, direction, team, application, base_model, region, from_label, to_label,
           unpriced_reason, unit, any_value(assumption) AS assumption,
           sum(quantity)::BIGINT AS quantity,
           CAST(sum(current_cost) AS DECIMAL(38, 12)) AS current_cost_usd,
           CAST(CASE WHEN unpriced_reason IS NULL THEN sum(whatif_cost) END AS DECIMAL(38, 12))
               AS whatif_cost_usd,
           CAST(sum(current_cost - whatif_cost) FILTER (WHERE charge = 'cache_read_input_tokens')
                AS DECIMAL(38, 12)) AS cache_read_delta_usd,
           CAST(sum(current_cost - whatif_cost) FILTER (WHERE charge = 'cache_write_input_tokens')
                AS DECIMAL(38, 12)) AS cache_write_5m_delta_usd,
           CAST(sum(current_cost - whatif_cost)
                    FILTER (WHERE charge = 'cache_write_1h_input_tokens')
                AS DECIMAL(38, 12)) AS cache_write_1h_delta_usd,
           sum(quantity) FILTER (WHERE charge = 'cache_read_input_tokens')::BIGINT
               AS cache_read_tokens,
           sum(quantity) FILTER (WHERE charge = 'cache_write_input_tokens')::BIGINT
               AS cache_write_5m_tokens,
           sum(quantity) FILTER (WHERE charge = 'cache_write_1h_input_tokens')::BIGINT
               AS cache_write_1h_tokens
    FROM rows
    GROUP BY scenario, direction, team, application, base_model, region, from_label, to_label,
             unpriced_reason, unit
),
final AS (
    SELECT * REPLACE (
               CASE WHEN direction <> 'actual' THEN direction
                    WHEN current_cost_usd - whatif_cost_usd > 0 THEN 'opportunity'
                    ELSE 'reverse' END AS direction),
           CAST(current_cost_usd - whatif_cost_usd AS DECIMAL(38, 12)) AS savings_usd,
           unpriced_reason IS NULL AS priced,
           NULL::BIGINT AS peak_hour_tokens, NULL::BIGINT AS tokens_per_minute,
           NULL::BIGINT AS model_units, NULL::DECIMAL(38, 12) AS unit_cost_window,
           NULL::VARCHAR AS price_ids
    FROM grouped
),
totals AS (
    SELECT *, sum(coalesce(current_cost_usd, 0)) OVER (
        PARTITION BY scenario, direction, team, application) AS app_cost
    FROM final
)
SELECT * EXCLUDE (app_cost),
       CASE WHEN direction = 'candidate' THEN CAST(dense_rank() OVER (
           PARTITION BY scenario, direction ORDER BY app_cost DESC, team, application
       ) AS INTEGER) END AS rank
FROM totals;
