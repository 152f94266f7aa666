-- name: cost_explorer_window_count
-- purpose: How many Cost Explorer invoice lines of usage dates $start..$end an earlier pull
--   stored: the lines a new pull of the window replaces (run summary: replaced_rows).
-- grain: one row
SELECT count(*)
FROM invoice_line_items
WHERE source_format = 'cost_explorer' AND CAST(usage_start AS DATE) BETWEEN $start AND $end
