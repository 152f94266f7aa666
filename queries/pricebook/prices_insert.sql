-- name: prices_insert
-- purpose: Price book entries (view new_rows, prices as decimal strings) into prices, one bulk
--   insert; the casts to DECIMAL(38, 12) happen here, so no float ever touches a price.
-- grain: one row per price entry
INSERT INTO prices (price_id, base_model, region, routing, tier, mode, charge, context_tier,
    unit, unit_factor, price_usd, effective_from, effective_to, layer, source, checked,
    loaded_at, run_id, origin, line_number, note)
SELECT price_id, base_model, region, routing, tier, mode, charge, context_tier,
    unit, CAST(unit_factor AS DECIMAL(38, 12)), CAST(price_usd AS DECIMAL(38, 12)),
    effective_from, effective_to, layer, source, checked, loaded_at, run_id, origin,
    line_number, note
FROM new_rows
