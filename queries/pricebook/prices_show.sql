-- name: prices_show
-- purpose: The price book rows `prices show` prints: for a model and a Region (NULL: any; the
--   wildcard rows price them too, so they are kept) in effect on $on_date (NULL: any date).
-- grain: one row per price_book row
SELECT base_model, region, routing, tier, mode, charge, context_tier, unit,
    price_usd, effective_from, effective_to, layer, source, checked, note, price_id
FROM price_book
WHERE ($model IS NULL OR base_model IN ($model, '*'))
    AND ($region IS NULL OR region IN ($region, '*'))
    AND ($on_date IS NULL OR (effective_from <= $on_date
        AND (effective_to IS NULL OR $on_date < effective_to)))
ORDER BY base_model, region, routing, tier, mode, charge, context_tier, effective_from
