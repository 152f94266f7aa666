-- name: invoice_delete_period
-- purpose: Remove one billing period of one source family before its re-delivery is inserted
--   (same transaction), so a re-delivered period replaces the old one.
-- grain: invoice lines of ($family, $period)
DELETE FROM invoice_line_items WHERE source_family = $family AND billing_period = $period
