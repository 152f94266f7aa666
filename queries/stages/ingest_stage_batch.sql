-- name: ingest_stage_batch
-- purpose: Stage one ingest batch for dedupe: every parsed record of the batch (the Arrow
--   table _ingest_keyed: its records and their dedupe keys), numbered within its (account_id,
--   region, request_id) in source order (file_ord, line_number), with the already-loaded copy
--   of the same request when there is one. The existing side is restricted to the batch's
--   event_time range plus a day on each side ($lo, $hi) and to rows whose dedupe_key is one of
--   the batch's (or unknown), so the join reads one integer column of the loaded rows instead
--   of three strings.
-- grain: one row per parsed record of the batch
CREATE OR REPLACE TEMP TABLE _ingest_batch AS
SELECT
    b.*,
    row_number() OVER (
        PARTITION BY b.account_id, b.region, b.request_id ORDER BY b.file_ord, b.line_number
    ) AS rn,
    e.source_uri AS existing_uri,
    e.line_number AS existing_line,
    e.input_tokens AS existing_input,
    e.output_tokens AS existing_output,
    e.cache_read_input_tokens AS existing_cache_read,
    e.cache_write_input_tokens AS existing_cache_write
FROM _ingest_keyed AS b
LEFT JOIN (
    SELECT account_id, region, request_id, source_uri, line_number, input_tokens, output_tokens,
           cache_read_input_tokens, cache_write_input_tokens
    FROM invocation_records
    WHERE event_time BETWEEN CAST($lo AS TIMESTAMP) - INTERVAL 1 DAY
                         AND CAST($hi AS TIMESTAMP) + INTERVAL 1 DAY
      AND (dedupe_key IS NULL OR dedupe_key IN (
          SELECT dedupe_key FROM _ingest_keyed
      ))
) AS e
    ON e.account_id = b.account_id AND e.region = b.region AND e.request_id = b.request_id
