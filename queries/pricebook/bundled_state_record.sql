-- name: bundled_state_record
-- purpose: Record the state of the bundled price book after it was compared or reloaded: the
--   files digest ($files_digest), the digest of the `bundled` rows now in `prices` (the same
--   expression as bundled_state.sql) and how many entries the files hold ($row_count).
-- grain: statement (after bundled_state_clear.sql: the table keeps one row)
INSERT INTO bundled_price_state (files_digest, rows_digest, row_count, recorded_at)
SELECT $files_digest,
       count(*) || ':' || coalesce(bit_xor(hash(
           price_id, base_model, region, routing, tier, mode, charge, context_tier, unit,
               unit_factor, price_usd, effective_from, effective_to, source, checked, note,
               origin, line_number)), 0),
       $row_count,
       CAST($recorded_at AS TIMESTAMP)
FROM prices
WHERE layer = 'bundled'
