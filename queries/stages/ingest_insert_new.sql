-- name: ingest_insert_new
-- purpose: Insert the first copy (in source order) of every request of the staged batch that is
--   not loaded yet. Everything else in the batch is a duplicate (counted, never inserted).
-- grain: one row per new (account_id, region, request_id)
INSERT INTO invocation_records (
    request_id, account_id, region, event_time, identity_arn, operation, model_id,
    inference_region, input_tokens, output_tokens, cache_read_input_tokens,
    cache_write_input_tokens, cache_write_1h_input_tokens, service_tier, latency_mode, error_code,
    request_metadata, source_uri, line_number, run_id, dedupe_key
)
SELECT
    request_id, account_id, region, event_time, identity_arn, operation, model_id,
    inference_region, input_tokens, output_tokens, cache_read_input_tokens,
    cache_write_input_tokens, cache_write_1h_input_tokens, service_tier, latency_mode, error_code,
    request_metadata, source_uri, line_number, $run_id, dedupe_key
FROM _ingest_batch
WHERE rn = 1 AND existing_uri IS NULL
ORDER BY file_ord, line_number
