-- name: stages/allocate_delete
-- purpose: Remove the allocated rows of the billing periods [$start, $end] (first and last day
--   of whole months) before the allocation writes them again, in the same transaction.
DELETE FROM allocated_spend_rows WHERE billing_period BETWEEN $start AND $end
