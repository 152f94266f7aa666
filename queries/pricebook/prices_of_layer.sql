-- name: prices_of_layer
-- purpose: The entries of one price layer already stored, except those of the files being
--   reloaded ($excluded origins): the rows new files are checked against for overlaps.
-- grain: one row per price entry
SELECT base_model, region, routing, tier, mode, charge, context_tier, unit, price_usd,
    effective_from, effective_to, layer, source, checked, coalesce(note, ''),
    coalesce(origin, ''), line_number
FROM prices
WHERE layer = $layer AND NOT list_contains($excluded, coalesce(origin, ''))
ORDER BY origin, line_number, price_id
