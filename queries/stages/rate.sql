-- name: rate
-- purpose: Rate the hourly usage facts of the UTC days $start..$end (inclusive) into rated_usage
--   at daily grain, on exact DECIMAL. The caller deletes the window first (same transaction).
--   * Price: the row of the `price_book` view effective ON THE USAGE DATE (effective_from <= date <
--     effective_to) that matches model, region, routing, tier, mode, charge and context_tier,
--     with a unit of the usage's kind (token prices for tokens, image prices for images).
--     Wildcards: '*' in base_model/region/routing/tier matches anything; routing 'regional'
--     matches in_region and geo (AWS bills both under one regional rate).
--     Precedence is the price_book view's (one definition): that view has already resolved
--     layers for the same key and date (overlay > price_list > bundled), and among the matching
--     keys the lowest `precedence` wins (layer first, then the most specific key: exact model >
--     exact region > exact routing > 'regional' > '*' > exact tier), as its macro price_at does;
--     price_id breaks any remaining tie, so the choice is deterministic.
--   * Unresolved models are never priced (unpriced_reason 'unknown_model'): a wildcard price
--     would be a guess. No matching price: 'no_price'. Unpriced rows have NULL costs, never 0.
--   * list_cost_usd = CAST(quantity * price_usd * unit_factor AS DECIMAL(38,12)): DuckDB turns
--     DECIMAL / DECIMAL into DOUBLE, so we multiply by the inverted unit factor instead.
--   * Discount: the `discounts` row effective on the usage date with the most specific scope
--     (account > model > provider > all; provider = base_model before the first '.'), newest
--     effective_from first. discount_usd = CAST(list_cost_usd * percent * 0.01 AS DECIMAL(38,12)),
--     cost_usd = list_cost_usd - discount_usd (exact).
--   The matching rules shared with the what-if re-pricing (queries/whatif/reprice.sql) are macros
--   defined with the views: routing_matches, in_effect, price_unit_kind (price_book.sql),
--   discount_applies, discount_scope_rank (discount_book.sql).
-- grain: one row per usage_date × account × region × base_model × routing × tier × mode × charge
--   × context_tier × team × application × attribution_rule
INSERT INTO rated_usage BY NAME
WITH usage AS (
    SELECT
        CAST(hour AS DATE) AS usage_date, account_id, region, base_model, model_resolved, routing,
        tier, mode, charge, context_tier, team, application, attribution_rule, unit,
        sum(quantity)::BIGINT AS quantity,
        sum(requests)::BIGINT AS requests,
        sum(requests_counted)::BIGINT AS requests_counted
    FROM usage_hourly_facts
    WHERE hour >= CAST($start AS TIMESTAMP)
      AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)
    GROUP BY ALL
),
keyed AS (
    SELECT row_number() OVER () AS usage_key, * FROM usage
),
priced AS (
    SELECT
        k.usage_key, p.price_id, p.price_usd, p.unit AS price_unit, p.unit_factor
    FROM keyed AS k
    JOIN price_book AS p
        ON k.model_resolved
        AND p.base_model IN (k.base_model, '*')
        AND p.region IN (k.region, '*')
        AND routing_matches(p.routing, k.routing)
        AND p.tier IN (k.tier, '*')
        AND p.mode = k.mode
        AND p.charge = k.charge
        AND p.context_tier = k.context_tier
        AND in_effect(p.effective_from, p.effective_to, k.usage_date)
        AND price_unit_kind(p.unit) = k.unit
    QUALIFY row_number() OVER (
        PARTITION BY k.usage_key ORDER BY p.precedence, p.effective_from DESC, p.price_id
    ) = 1
),
listed AS (
    SELECT
        k.*, pr.price_id, pr.price_usd, pr.price_unit,
        CAST(k.quantity * pr.price_usd * pr.unit_factor AS DECIMAL(38, 12)) AS list_cost_usd
    FROM keyed AS k
    LEFT JOIN priced AS pr USING (usage_key)
),
discounted AS (
    SELECT l.usage_key, d.discount_id, d.percent
    FROM listed AS l
    JOIN discounts AS d
        ON l.price_id IS NOT NULL
        AND in_effect(d.effective_from, d.effective_to, l.usage_date)
        AND discount_applies(d.scope, d.scope_value, l.account_id, l.base_model)
    QUALIFY row_number() OVER (
        PARTITION BY l.usage_key
        ORDER BY
            discount_scope_rank(d.scope),
            d.effective_from DESC,
            d.discount_id
    ) = 1
),
costed AS (
    SELECT
        l.*, dd.discount_id,
        CASE WHEN l.price_id IS NULL THEN NULL
             ELSE CAST(l.list_cost_usd * coalesce(dd.percent, 0) * 0.01 AS DECIMAL(38, 12))
        END AS discount_usd
    FROM listed AS l
    LEFT JOIN discounted AS dd USING (usage_key)
)
SELECT
    usage_date, account_id, region, base_model, routing, tier, mode, charge, context_tier, team,
    application, attribution_rule, quantity, unit,
    price_usd AS unit_price_usd,
    price_unit,
    list_cost_usd,
    discount_usd,
    CAST(list_cost_usd - discount_usd AS DECIMAL(38, 12)) AS cost_usd,
    price_id,
    discount_id,
    price_id IS NOT NULL AS priced,
    CASE WHEN price_id IS NOT NULL THEN NULL
         WHEN NOT model_resolved THEN 'unknown_model'
         ELSE 'no_price' END AS unpriced_reason,
    requests,
    requests_counted,
    $run_id AS run_id
FROM costed
