-- name: bundled_state_record
-- purpose: Record the state of the bundled price book after it was compared or reloaded: the
--   files digest ($files_digest), the digest of the `bundled` rows now in `prices`
--   ($rows_digest, from bundled_rows_digest.sql) and how many entries the files hold
--   ($row_count).
-- grain: statement (after bundled_state_clear.sql: the table keeps one row)
INSERT INTO bundled_price_state (files_digest, rows_digest, row_count, recorded_at)
VALUES ($files_digest, $rows_digest, $row_count, CAST($recorded_at AS TIMESTAMP))
