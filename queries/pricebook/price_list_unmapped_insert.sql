-- name: price_list_unmapped_insert
-- purpose: The SKUs of one Price List import no price entry could be made of (view new_rows),
--   with why, one bulk insert.
-- grain: one row per SKU
INSERT INTO price_list_unmapped BY NAME SELECT * FROM new_rows
