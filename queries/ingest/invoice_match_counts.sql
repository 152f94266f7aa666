-- name: invoice_match_counts
-- purpose: For the invoice lines loaded by $run_id: usage lines still unmapped, and lines the
--   model matcher gave a model (model_matched) or left with a finding (model_unmatched).
-- grain: one row
SELECT
    count(*) FILTER (WHERE NOT mapped AND charge_category = 'Usage') AS unmapped_rows,
    count(*) FILTER (WHERE model_match IS NOT NULL AND base_model IS NOT NULL) AS model_matched,
    count(*) FILTER (WHERE model_match IS NOT NULL AND base_model IS NULL) AS model_unmatched
FROM invoice_line_items
WHERE run_id = $run_id
