-- name: stages/reconcile_inputs
-- purpose: The number of input rows the reconcile stage takes part in for a window of usage
--   dates (its StageResult rows_in): the window's rated_usage rows plus the invoice lines it
--   uses. Cost Explorer lines that the CUR-wins rule ignores (a CUR/FOCUS line exists for the
--   same billing period and account) are not counted: same predicate as stages/reconcile.
--   Parameters: $start, $end (inclusive DATEs).
-- grain: one row (rows_in)
SELECT
    (SELECT count(*) FROM rated_usage WHERE usage_date BETWEEN $start AND $end)
    + (SELECT count(*) FROM invoice_line_items AS l
       WHERE CAST(usage_start AS DATE) BETWEEN $start AND $end
           AND l.superseded_by IS NULL
           AND (source_format <> 'cost_explorer' OR NOT EXISTS (
               SELECT 1 FROM invoice_line_items AS c
               WHERE c.source_format <> 'cost_explorer'
                   AND c.billing_period = l.billing_period AND c.account_id = l.account_id)))
    AS rows_in
