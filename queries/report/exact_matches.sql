-- name: report/exact_matches
-- purpose: How many reconciliation buckets of the usage dates [$start, $end] match the invoice
--   exactly (no cause): the demo lists the others and counts these.
-- grain: one row
SELECT count(*) AS exact FROM reconciliation
WHERE usage_date BETWEEN $start AND $end AND cause IS NULL
