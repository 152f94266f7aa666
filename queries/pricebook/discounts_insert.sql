-- name: discounts_insert
-- purpose: Negotiated discounts (view new_rows, percent as a decimal string) into discounts, one
--   bulk insert.
-- grain: one row per discount
INSERT INTO discounts (discount_id, scope, scope_value, percent, effective_from, effective_to,
    source, run_id, origin, line_number)
SELECT discount_id, scope, scope_value, CAST(percent AS DECIMAL(9, 6)), effective_from,
    effective_to, source, run_id, origin, line_number
FROM new_rows
