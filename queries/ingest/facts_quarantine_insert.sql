-- name: facts_quarantine_insert
-- purpose: The quarantine rows the Spark job wrote for objects new to the ledger, under this
--   run's id, in source and line order (the same reasons and line numbers as `ingest logs`).
-- grain: one row per quarantined line of a new object
INSERT INTO quarantine_records
SELECT $run_id, q.source_uri, q.line_number, q.reason, q.detail, now() AT TIME ZONE 'UTC'
FROM _facts_quarantine AS q
SEMI JOIN _facts_new AS n USING (source_uri)
ORDER BY q.source_uri, q.line_number
