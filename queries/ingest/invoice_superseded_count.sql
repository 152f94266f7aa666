-- name: invoice_superseded_count
-- purpose: How many invoice lines another source supersedes (not counted by reconciliation).
-- grain: one row
SELECT count(*) FROM invoice_line_items WHERE superseded_by IS NOT NULL
