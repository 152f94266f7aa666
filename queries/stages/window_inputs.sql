-- name: window_inputs
-- purpose: What the database holds for the UTC days $start..$end, so that a run that processed
--   nothing is a finding rather than a silent exit 0: the invocation records logged in the window
--   (plus the requests of hourly facts imported from the Spark job, `ingest facts`)
--   and the Bedrock invoice lines whose usage interval overlaps it (a monthly-granularity line
--   covers every day of its month).
-- grain: one row
SELECT
    (SELECT count(*)
     FROM invocation_records
     WHERE event_time >= CAST($start AS TIMESTAMP)
       AND event_time < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP))
    + (SELECT coalesce(sum(requests_counted), 0)
       FROM imported_usage_facts
       WHERE hour >= CAST($start AS TIMESTAMP)
         AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)) AS invocations,
    (SELECT count(*)
     FROM invoice_line_items
     WHERE superseded_by IS NULL  -- only the source used (stages/invoice_precedence)
       AND usage_start < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)
       AND (usage_end > CAST($start AS TIMESTAMP)
            OR usage_start >= CAST($start AS TIMESTAMP))) AS invoice_lines
