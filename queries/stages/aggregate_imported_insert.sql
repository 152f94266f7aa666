-- name: aggregate_imported_insert
-- purpose: The imported Spark facts of the window $start..$end into usage_hourly_facts under this
--   run's id, after the local facts (aggregate_insert.sql) that left their cells out.
-- grain: one row per imported fact of the window
INSERT INTO usage_hourly_facts BY NAME
SELECT * REPLACE ($run_id AS run_id)
FROM imported_usage_facts
WHERE hour >= CAST($start AS TIMESTAMP)
  AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)
