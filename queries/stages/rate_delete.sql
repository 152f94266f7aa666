-- name: stages/rate_delete
-- purpose: Remove the rated rows of the window [$start, $end] (inclusive DATEs) before
--   stages/rate writes them again, in the same transaction: re-rating replaces, never adds.
DELETE FROM rated_usage WHERE usage_date BETWEEN $start AND $end
