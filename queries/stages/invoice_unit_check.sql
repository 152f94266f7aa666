-- name: invoice_unit_check
-- purpose: set invoice_line_items.unit_check by comparing each token Usage line's billed cost with
--   quantity_tokens x the price book's per-token price (price_usd x unit_factor): within a factor
--   of 2 -> ok; within a factor of 2 of 1,000x too high or too low -> x1000_off (the unit
--   assumption is wrong, not the traffic); no price, no cost, or anything else -> unknown.
--   Never divides (DuckDB DECIMAL division yields DOUBLE). Re-runnable after prices change.
-- grain: one update per invoice line
UPDATE invoice_line_items AS i
SET unit_check = COALESCE(v.verdict, 'unknown')
FROM (
    SELECT
        i2.rowid AS rid,
        CASE
            WHEN max(i2.unblended_cost_usd) * 2 >= min(e.expected)
                AND max(i2.unblended_cost_usd) <= max(e.expected) * 2 THEN 'ok'
            WHEN (max(i2.unblended_cost_usd) >= min(e.expected) * 500
                    AND max(i2.unblended_cost_usd) <= max(e.expected) * 2000)
                OR (max(i2.unblended_cost_usd) * 500 <= max(e.expected)
                    AND max(i2.unblended_cost_usd) * 2000 >= min(e.expected)) THEN 'x1000_off'
        END AS verdict
    FROM invoice_line_items AS i2
    JOIN prices AS p
        ON p.base_model IN (i2.base_model, '*')
        AND p.region IN (i2.region, '*')
        AND p.mode = i2.mode
        AND p.charge = i2.charge
        AND p.tier IN (i2.tier, '*')
        AND p.context_tier = 'standard'
        AND (p.routing IN (i2.routing, '*')
            OR (i2.routing = 'regional' AND p.routing IN ('in_region', 'geo')))
        AND p.effective_from <= CAST(i2.usage_start AS DATE)
        AND (p.effective_to IS NULL OR CAST(i2.usage_start AS DATE) < p.effective_to)
    CROSS JOIN LATERAL (
        SELECT CAST(
            CAST(i2.quantity_tokens AS DECIMAL(38, 4))
            * CAST(p.price_usd * p.unit_factor AS DECIMAL(38, 12))
            AS DECIMAL(38, 12)
        ) AS expected
    ) AS e
    WHERE i2.charge_category = 'Usage' AND i2.usage_kind = 'token'
        AND i2.quantity_tokens > 0 AND i2.unblended_cost_usd > 0
    GROUP BY i2.rowid
) AS v
WHERE i.rowid = v.rid
