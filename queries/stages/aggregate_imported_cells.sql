-- name: aggregate_imported_cells
-- purpose: The (hour, account, Region) cells of the window $start..$end that imported Spark facts
--   cover (`reconciler ingest facts`): their facts win, so the aggregate leaves out local records
--   of these cells and a request loaded both ways never counts twice.
-- grain: one row per covered cell
SELECT DISTINCT hour, account_id, region
FROM imported_usage_facts
WHERE hour >= CAST($start AS TIMESTAMP)
  AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)
