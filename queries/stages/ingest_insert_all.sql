-- name: ingest_insert_all
-- purpose: Insert every record of the staged batch (view _ingest_keyed: the Arrow table of its records and
--   their dedupe keys) when
--   ingest_probe found no clash: all are new and unique, so no staging table, window function or
--   join is needed. The records are already in source order (file_ord, line_number).
-- grain: one row per record of the batch
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
FROM _ingest_keyed
