-- name: discounts_stored
-- purpose: The discounts stored from other origins than those being reloaded ($excluded): what
--   the new ones are checked against for overlaps.
-- grain: one row per discount
SELECT scope, scope_value, percent, effective_from, effective_to, source, coalesce(origin, ''),
    line_number
FROM discounts
WHERE NOT list_contains($excluded, coalesce(origin, ''))
ORDER BY origin, line_number
