-- name: cost_explorer_insert
-- purpose: The pulled Cost Explorer lines (view new_rows, the invoice_line_items columns a pull
--   fills; amounts DECIMAL(38, 12)) into invoice_line_items, one bulk insert.
-- grain: one row per (day, account, usage type, record type) group
INSERT INTO invoice_line_items BY NAME SELECT * FROM new_rows
