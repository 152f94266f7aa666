-- name: bundled_stored
-- purpose: What identifies the stored bundled rows (price_id hashes key, unit, price and dates):
--   when it equals the package's, the bundled layer is not rewritten.
-- grain: one row per bundled price
SELECT price_id, source, checked, note, origin, line_number FROM prices WHERE layer = 'bundled'
