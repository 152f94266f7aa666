-- name: billing_names_learn
-- purpose: The billing-name mappings a Price List import learned (view new_rows), upserted into
--   billing_name_map: the invoice mapping reads them.
-- grain: one row per (name_type, name)
INSERT OR REPLACE INTO billing_name_map (name_type, name, base_model, charge, source, run_id)
SELECT name_type, name, base_model, charge, source, run_id FROM new_rows
