-- name: bundled_rows_digest
-- purpose: A digest of the `bundled` rows in `prices` now (their count and an XOR of each row's
--   hash, every column but the run that loaded them): reconciler.pricebook.bundled records it
--   after a load (bundled_state_record.sql) and compares it with the recorded one before the
--   next (bundled_state.sql), so a bundled row changed by hand makes the stage reload.
-- grain: one row
SELECT count(*) || ':' || coalesce(bit_xor(hash(
           price_id, base_model, region, routing, tier, mode, charge, context_tier, unit,
           unit_factor, price_usd, effective_from, effective_to, source, checked, note, origin,
           line_number)), 0) AS rows_digest
FROM prices
WHERE layer = 'bundled'
