-- name: quarantine
-- purpose: Every rejected record or file with the reason. Never carries prompt or response text.
-- grain: one row per rejected record (line_number set) or file (line_number NULL)
-- column run_id: the run that rejected it
-- column source_uri: file path or s3:// URI (or cloudwatch:// for API pulls)
-- column line_number: 1-based line in the decompressed file (cloudwatch://: event index in
--   its stream for the pulled window); NULL for a whole-file rejection
-- column reason: a stable reason code (docs/quarantine-reasons.md)
-- column detail: short explanation without record content
-- column recorded_at: UTC time of rejection
CREATE OR REPLACE VIEW quarantine AS
SELECT run_id, source_uri, line_number, reason, detail, recorded_at
FROM quarantine_records;
