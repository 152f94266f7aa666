-- name: invoice_usage_types_insert
-- purpose: Fill invoice_usage_types from the parsed keys (view new_rows, one bulk insert).
-- grain: one row per distinct usage-type key
INSERT INTO invoice_usage_types BY NAME SELECT * FROM new_rows
