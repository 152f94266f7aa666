-- name: invoice_quarantine_bad
-- purpose: Quarantine the staged Bedrock rows with a bad field or a negative usage cost (temp
--   table invoice_typed), straight into quarantine_records in the group's transaction; their
--   good neighbours still load.
-- grain: one row per bad Bedrock line
INSERT INTO quarantine_records (run_id, source_uri, line_number, reason, detail, recorded_at)
SELECT $run_id, source_uri, line_number, bad_reason, left(bad, 300), $recorded_at
FROM invoice_typed
WHERE bad IS NOT NULL AND (strong_bedrock OR marketplace_candidate)
ORDER BY source_uri, line_number
