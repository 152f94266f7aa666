-- name: stages/reconcile_delete
-- purpose: Remove the reconciliation rows of the usage dates [$start, $end] (inclusive DATEs)
--   before stages/reconcile writes them again, in the same transaction.
DELETE FROM reconciliation_rows WHERE usage_date BETWEEN $start AND $end
