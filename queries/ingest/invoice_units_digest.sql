-- name: invoice_units_digest
-- purpose: Every invoice line's unit_check in one row: when a re-check gives the same verdicts,
--   its writes are rolled back and the run publishes nothing.
-- grain: one row
SELECT count(*), bit_xor(hash(rowid, unit_check)) FROM invoice_line_items
