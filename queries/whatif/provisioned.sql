-- name: whatif_provisioned
-- purpose: Scenario provisioned: per account, model and Region (Provisioned Throughput is bought
--   per account), the window's priced on-demand token usage (all token charges, all teams)
--   against Provisioned Throughput sized for its busiest hour, at each commitment term.
--   * capacity: tokens per minute one model unit serves - an assumption, not an AWS figure, from
--     [whatif] model_unit_tokens_per_minute (the model's entry, else '*'; table wf_capacity);
--     without one the row is unpriced (no_capacity_assumption);
--   * model units = ceil(busiest hour's tokens / (capacity x 60)), from usage_hourly (on-demand
--     token usage of the account, model and Region);
--   * commitment terms: the `price_book` charges model_unit_hours (no commitment),
--     model_unit_hours_1_month and model_unit_hours_6_months (mode provisioned, unit hour) for
--     the model and Region, effective on each day of the window;
--   * what-if cost = model units x 24 x that price, summed over the days (provisioned throughput
--     bills every hour whether used or not; a commitment bills every hour of its whole term, of
--     which the window's hours are compared). A day with no price for the term: the term's row
--     is unpriced (no_target_price), never $0.
--   The no-commitment row carries the current cost (direction candidate); the 1- and 6-month
--   rows re-price the same usage (direction alternative, outside the current-cost total).
--   current cost = the spend rows' cost, so current on-demand cost per hour = current / hours.
-- grain: one row per account × base_model × region with priced on-demand token usage in the
--   window × commitment term (3)
INSERT INTO wf_result BY NAME
WITH od AS (
    SELECT account_id, base_model, region, sum(quantity)::BIGINT AS quantity,
           CAST(sum(cost_usd) AS DECIMAL(38, 12)) AS current_cost_usd
    FROM wf_base
    WHERE priced AND unit = 'token' AND mode = 'on_demand'
    GROUP BY ALL
),
peak AS (
    SELECT account_id, base_model, region, max(tokens)::BIGINT AS peak_hour_tokens
    FROM (
        SELECT hour, account_id, base_model, region, sum(quantity) AS tokens
        FROM usage_hourly
        WHERE hour >= CAST($start AS TIMESTAMP)
          AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)
          AND mode = 'on_demand' AND unit = 'token' AND model_resolved
        GROUP BY ALL
    )
    GROUP BY ALL
),
sized AS (
    SELECT od.*, pk.peak_hour_tokens,
           coalesce(c.tokens_per_minute, d.tokens_per_minute) AS tokens_per_minute,
           CAST(ceil(pk.peak_hour_tokens
                     / (coalesce(c.tokens_per_minute, d.tokens_per_minute) * 60)) AS BIGINT)
               AS model_units
    FROM od
    JOIN peak AS pk USING (account_id, base_model, region)
    LEFT JOIN wf_capacity AS c ON c.base_model = od.base_model
    LEFT JOIN wf_capacity AS d ON d.base_model = '*'
),
terms AS (
    SELECT * FROM (VALUES
        (1, 'model_unit_hours', 'no commitment'),
        (2, 'model_unit_hours_1_month', '1-month commitment'),
        (3, 'model_unit_hours_6_months', '6-month commitment')
    ) AS t(term_order, term_charge, term_label)
),
days AS (
    SELECT CAST(d AS DATE) AS usage_date
    FROM range(CAST($start AS DATE), CAST($end AS DATE) + 1, INTERVAL 1 DAY) AS t(d)
),
day_prices AS (
    SELECT s.account_id, s.base_model, s.region, t.term_order, dy.usage_date, p.price_usd,
           p.price_id
    FROM sized AS s
    CROSS JOIN terms AS t
    CROSS JOIN days AS dy
    LEFT JOIN price_book AS p
        ON p.base_model IN (s.base_model, '*')
        AND p.region IN (s.region, '*')
        AND p.mode = 'provisioned'
        AND p.charge = t.term_charge
        AND p.unit = 'hour'
        AND p.context_tier = 'standard'
        AND p.effective_from <= dy.usage_date
        AND (p.effective_to IS NULL OR dy.usage_date < p.effective_to)
    QUALIFY row_number() OVER (
        PARTITION BY s.account_id, s.base_model, s.region, t.term_order, dy.usage_date
        ORDER BY p.precedence, p.effective_from DESC, p.price_id
    ) = 1
),
hourly AS (
    SELECT account_id, base_model, region, term_order,
           bool_and(price_usd IS NOT NULL) AS all_days_priced,
           CAST(sum(price_usd * 24) AS DECIMAL(38, 12)) AS unit_cost_window,
           string_agg(DISTINCT price_id, ',' ORDER BY price_id) AS price_ids
    FROM day_prices
    GROUP BY ALL
),
rows AS (
    SELECT s.*, t.term_order, t.term_label, h.unit_cost_window, h.price_ids,
           CASE WHEN s.tokens_per_minute IS NULL THEN 'no_capacity_assumption'
                WHEN NOT h.all_days_priced THEN 'no_target_price' END AS unpriced_reason
    FROM sized AS s
    CROSS JOIN terms AS t
    JOIN hourly AS h USING (account_id, base_model, region, term_order)
)
SELECT
    'provisioned' AS scenario,
    CASE WHEN term_order = 1 THEN 'candidate' ELSE 'alternative' END AS direction,
    '*' AS team,
    '*' AS application,
    base_model,
    region,
    'on_demand in account ' || account_id AS from_label,
    CASE WHEN tokens_per_minute IS NULL THEN 'provisioned, ' || term_label
         ELSE 'provisioned ' || model_units || ' MU, ' || term_label END AS to_label,
    unpriced_reason,
    'token' AS unit,
    'model units sized for the busiest hour at ' || coalesce(CAST(tokens_per_minute AS VARCHAR), '?')
    || ' tokens per minute per model unit ([whatif] model_unit_tokens_per_minute: an assumption, '
    || 'not an AWS figure), billed every hour of the window at the price book''s model-unit '
    || 'hourly price with ' || term_label
    || CASE WHEN term_order = 1 THEN '' ELSE ' (billed for every hour of the term, whether used '
            || 'or not)' END AS assumption,
    quantity,
    current_cost_usd,
    CAST(CASE WHEN unpriced_reason IS NULL THEN model_units * unit_cost_window END
         AS DECIMAL(38, 12)) AS whatif_cost_usd,
    CAST(CASE WHEN unpriced_reason IS NULL
              THEN current_cost_usd - model_units * unit_cost_window END AS DECIMAL(38, 12))
        AS savings_usd,
    unpriced_reason IS NULL AS priced,
    peak_hour_tokens,
    tokens_per_minute,
    model_units,
    unit_cost_window,
    price_ids
FROM rows;
