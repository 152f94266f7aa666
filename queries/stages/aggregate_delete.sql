-- name: stages/aggregate_delete
-- purpose: Remove the hourly facts of the UTC days [$start, $end] (inclusive DATEs) before the
--   aggregation writes them again, in the same transaction: re-running replaces, never adds.
DELETE FROM usage_hourly_facts
WHERE hour >= CAST($start AS TIMESTAMP)
  AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)
