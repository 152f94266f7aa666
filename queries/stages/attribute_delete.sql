-- name: attribute_delete
-- purpose: Remove the attribution rows of every request in the window [$start, $end + 1 day)
--   (NULL = open) before the stage inserts them again: re-running never duplicates.
--   Rows whose request no longer exists are removed when the window is fully open.
-- grain: statement
DELETE FROM invocation_attribution AS a
WHERE ($start IS NULL AND $end IS NULL)
   OR EXISTS (
    SELECT 1 FROM invocation_records AS r
    WHERE r.account_id = a.account_id AND r.region = a.region AND r.request_id = a.request_id
      AND ($start IS NULL OR r.event_time >= CAST(CAST($start AS DATE) AS TIMESTAMP))
      AND ($end IS NULL OR r.event_time < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP))
);
