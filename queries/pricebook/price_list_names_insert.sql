-- name: price_list_names_insert
-- purpose: Every SKU's name facts of one Price List import (view new_rows), one bulk insert.
-- grain: one row per SKU
INSERT INTO price_list_names BY NAME SELECT * FROM new_rows
