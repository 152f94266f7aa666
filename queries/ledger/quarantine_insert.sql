-- name: quarantine_insert
-- purpose: Store a stage's problems (view new_rows: run, source, line, reason, detail, time) in
--   quarantine_records, one bulk insert in the stage's transaction.
-- grain: one row per problem
INSERT INTO quarantine_records (run_id, source_uri, line_number, reason, detail, recorded_at)
SELECT run_id, source_uri, line_number, reason, detail, recorded_at FROM new_rows
