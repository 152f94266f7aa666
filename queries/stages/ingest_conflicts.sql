-- name: ingest_conflicts
-- purpose: Record every duplicate in the staged batch whose token counts differ from the kept
--   copy (the already-loaded row, else the batch's first copy). A finding: the kept copy stays.
-- grain: one row per conflicting duplicate record
INSERT INTO duplicate_conflicts (
    account_id, region, request_id, kept_source_uri, kept_line_number, dup_source_uri,
    dup_line_number, detail, run_id
)
WITH kept AS (
    SELECT
        account_id, region, request_id,
        coalesce(existing_uri, source_uri) AS kept_uri,
        coalesce(existing_line, line_number) AS kept_line,
        CASE WHEN existing_uri IS NULL THEN input_tokens ELSE existing_input END AS k_in,
        CASE WHEN existing_uri IS NULL THEN output_tokens ELSE existing_output END AS k_out,
        CASE WHEN existing_uri IS NULL THEN cache_read_input_tokens
             ELSE existing_cache_read END AS k_read,
        CASE WHEN existing_uri IS NULL THEN cache_write_input_tokens
             ELSE existing_cache_write END AS k_write
    FROM _ingest_batch
    WHERE rn = 1
)
SELECT
    d.account_id, d.region, d.request_id, k.kept_uri, k.kept_line, d.source_uri, d.line_number,
    concat_ws('; ',
        CASE WHEN d.input_tokens <> k.k_in
             THEN 'input_tokens ' || k.k_in || ' != ' || d.input_tokens END,
        CASE WHEN d.output_tokens <> k.k_out
             THEN 'output_tokens ' || k.k_out || ' != ' || d.output_tokens END,
        CASE WHEN d.cache_read_input_tokens <> k.k_read
             THEN 'cache_read_input_tokens ' || k.k_read || ' != ' || d.cache_read_input_tokens
        END,
        CASE WHEN d.cache_write_input_tokens <> k.k_write
             THEN 'cache_write_input_tokens ' || k.k_write || ' != ' || d.cache_write_input_tokens
        END
    ) AS detail,
    $run_id
FROM _ingest_batch AS d
JOIN kept AS k
    ON k.account_id = d.account_id AND k.region = d.region AND k.request_id = d.request_id
WHERE (d.rn > 1 OR d.existing_uri IS NOT NULL)
  AND (d.input_tokens <> k.k_in OR d.output_tokens <> k.k_out
       OR d.cache_read_input_tokens <> k.k_read OR d.cache_write_input_tokens <> k.k_write)
ORDER BY d.file_ord, d.line_number
