-- name: bundled_state
-- purpose: The recorded state of the bundled price book (schema 0021) next to a digest of the
--   `bundled` rows in `prices` now: reconciler.pricebook.bundled skips its reload while the
--   files digest and the rows digest both match.
-- grain: at most one row
SELECT s.files_digest, s.rows_digest, s.row_count, r.rows_digest AS rows_digest_now
FROM bundled_price_state AS s
CROSS JOIN (
    SELECT count(*) || ':' || coalesce(bit_xor(hash(
               price_id, base_model, region, routing, tier, mode, charge, context_tier, unit,
               unit_factor, price_usd, effective_from, effective_to, source, checked, note,
               origin, line_number)), 0) AS rows_digest
    FROM prices
    WHERE layer = 'bundled'
) AS r
