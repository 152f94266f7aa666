-- name: ingest_insert_new
-- purpose: Insert the first copy (in source order) of every request of the staged batch that is
--   not loaded yet. Everything else in the batch is a duplicate (counted, never inserted).
-- grain: one row per new (account_id, region, request_id)
INSERT INTO invocation_records BY NAME
SELECT
    * EXCLUDE (file_ord, rn, existing_uri, existing_line, existing_input, existing_output,
        existing_cache_read, existing_cache_write),
    $run_id AS run_id
FROM _ingest_batch
WHERE rn = 1 AND existing_uri IS NULL
ORDER BY file_ord, line_number
