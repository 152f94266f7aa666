-- name: whatif_reprice
-- purpose: Price every move of wf_moves that has a target (direction other than unchanged; a NULL
--   target column is the spend row's own value), on the usage date of its spend row,
--   exactly as the rate stage prices usage (queries/stages/rate.sql; a test checks that re-pricing
--   a spend row at its own key gives its cost_usd to the last decimal):
--   * the `price_book` row effective on the usage date that matches the target model, the spend
--     row's Region, the target routing ('regional' matches in_region and geo; '*' anything), tier,
--     mode, charge and context tier, with a unit of the usage's kind; the lowest `precedence`
--     wins, then the latest effective_from, then price_id;
--   * list cost = CAST(quantity * price_usd * unit_factor AS DECIMAL(38,12));
--   * the negotiated discount of the target key as in rating (account > model > provider > all),
--     so a what-if cost compares with the spend row's cost net of discounts.
--   The matching rules are the rate stage's own macros (routing_matches, in_effect,
--   price_unit_kind, discount_applies, discount_scope_rank: queries/views/price_book.sql and
--   discount_book.sql), so the two cannot drift apart.
--   A move with no matching price gets no row here: it is reported unpriced, never $0.
-- grain: one row per priced move (scenario, direction, base_key, part)
CREATE OR REPLACE TEMP TABLE wf_priced AS
WITH t AS (
    SELECT m.scenario, m.direction, m.base_key, m.part, b.usage_date, b.account_id, b.region, b.unit,
           coalesce(m.t_base_model, b.base_model) AS base_model,
           coalesce(m.t_routing, b.routing) AS routing, coalesce(m.t_tier, b.tier) AS tier,
           coalesce(m.t_mode, b.mode) AS mode, coalesce(m.t_charge, b.charge) AS charge,
           coalesce(m.t_context_tier, b.context_tier) AS context_tier,
           coalesce(m.t_quantity, b.quantity) AS quantity
    FROM wf_moves AS m
    JOIN wf_base AS b USING (base_key)
    WHERE m.direction <> 'unchanged'
),
priced AS (
    SELECT t.*, p.price_id, p.price_usd, p.unit_factor
    FROM t
    JOIN price_book AS p
        ON p.base_model IN (t.base_model, '*')
        AND p.region IN (t.region, '*')
        AND routing_matches(p.routing, t.routing)
        AND p.tier IN (t.tier, '*')
        AND p.mode = t.mode
        AND p.charge = t.charge
        AND p.context_tier = t.context_tier
        AND in_effect(p.effective_from, p.effective_to, t.usage_date)
        AND price_unit_kind(p.unit) = t.unit
    QUALIFY row_number() OVER (
        PARTITION BY t.scenario, t.direction, t.base_key, t.part
        ORDER BY p.precedence, p.effective_from DESC, p.price_id
    ) = 1
),
listed AS (
    SELECT *, CAST(quantity * price_usd * unit_factor AS DECIMAL(38, 12)) AS list_cost_usd
    FROM priced
),
discounted AS (
    SELECT l.scenario, l.direction, l.base_key, l.part, d.percent
    FROM listed AS l
    JOIN discounts AS d
        ON in_effect(d.effective_from, d.effective_to, l.usage_date)
        AND discount_applies(d.scope, d.scope_value, l.account_id, l.base_model)
    QUALIFY row_number() OVER (
        PARTITION BY l.scenario, l.direction, l.base_key, l.part
        ORDER BY
            discount_scope_rank(d.scope),
            d.effective_from DESC,
            d.discount_id
    ) = 1
)
SELECT
    l.scenario, l.direction, l.base_key, l.part, l.price_id, l.list_cost_usd,
    CAST(l.list_cost_usd
         - CAST(l.list_cost_usd * coalesce(dd.percent, 0) * 0.01 AS DECIMAL(38, 12))
         AS DECIMAL(38, 12)) AS cost_usd
FROM listed AS l
LEFT JOIN discounted AS dd USING (scenario, direction, base_key, part);
