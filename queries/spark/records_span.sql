-- name: spark_records_span
-- purpose: The UTC days a chunk of records spans: the window the task runs attribute and
--   aggregate over.
-- grain: one row
SELECT CAST(min(event_time) AS DATE) AS first_day, CAST(max(event_time) AS DATE) AS last_day
FROM _job_records
