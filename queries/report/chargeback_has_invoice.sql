-- name: report/chargeback_has_invoice
-- purpose: How many allocated rows the billing periods [$start, $end] (first day of the first
--   month, last day of the last) hold: when any, `reconciler report` defaults to the chargeback
--   (--basis invoice).
-- grain: one row
SELECT count(*) AS allocated_rows FROM allocated_spend WHERE usage_date BETWEEN $start AND $end
