-- name: invoice_units_reset
-- purpose: Every invoice line back to unit_check 'unknown' before invoice_unit_check re-checks
--   them against the current price book (a price change can change any verdict).
-- grain: all invoice lines
UPDATE invoice_line_items SET unit_check = 'unknown'
