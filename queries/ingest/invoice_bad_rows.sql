-- name: invoice_bad_rows
-- purpose: The staged Bedrock rows invoice_quarantine_bad quarantines, for the run's problem
--   list (the summary counts them by reason).
-- grain: one row per bad Bedrock line
SELECT source_uri, line_number, bad_reason, bad
FROM invoice_typed
WHERE bad IS NOT NULL AND (strong_bedrock OR marketplace_candidate)
ORDER BY source_uri, line_number
