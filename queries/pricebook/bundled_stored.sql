-- name: bundled_stored
-- purpose: The stored bundled rows, every column but the run that loaded them: when they equal
--   the package's (reconciler.pricebook.bundled), the bundled layer is not rewritten; a row
--   changed by hand (its price included) makes the stage reload the layer.
-- grain: one row per bundled price
SELECT price_id, base_model, region, routing, tier, mode, charge, context_tier, unit, unit_factor,
       price_usd, effective_from, effective_to, source, checked, note, origin, line_number
FROM prices
WHERE layer = 'bundled'
