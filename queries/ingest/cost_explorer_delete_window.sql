-- name: cost_explorer_delete_window
-- purpose: Remove the Cost Explorer lines of usage dates $start..$end before the new pull of the
--   window is inserted (same transaction): a re-pull replaces, never adds.
-- grain: invoice lines of the window
DELETE FROM invoice_line_items
WHERE source_format = 'cost_explorer' AND CAST(usage_start AS DATE) BETWEEN $start AND $end
