-- name: invoice_duplicates
-- purpose: Per file, the Bedrock rows repeating a line item already in the delivery (loaded once):
--   how many and the first line, for one duplicate_line_item finding per file.
-- grain: one row per file with repeated line items
SELECT source_uri, count(*), min(line_number)
FROM invoice_typed
WHERE duplicate AND (strong_bedrock OR marketplace_candidate)
GROUP BY source_uri
ORDER BY source_uri
