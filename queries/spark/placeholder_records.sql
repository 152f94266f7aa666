-- name: spark_placeholder_records
-- purpose: The Spark driver resolves the job's model ids once with the resolve stage, which reads
--   the ids to resolve from invocation_records: one placeholder record per id (registered Arrow
--   table `_ids`) in a scratch in-memory database; nothing else of it is used.
-- grain: one row per model id
INSERT INTO invocation_records (request_id, account_id, region, event_time, model_id,
                                input_tokens, output_tokens, cache_read_input_tokens,
                                cache_write_input_tokens, source_uri, line_number, run_id)
SELECT model_id, '', '', TIMESTAMP '1970-01-01', model_id, 0, 0, 0, 0, '', 0, ''
FROM _ids
