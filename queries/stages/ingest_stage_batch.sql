-- name: ingest_stage_batch
-- purpose: Stage the records of one ingest batch that take part in a dedupe decision: those whose
--   dedupe key occurs more than once in the batch (the Arrow table _ingest_keyed: its records
--   and their dedupe keys), and those whose request is loaded already. Each is numbered within
--   its (account_id, region, request_id) in source order (file_ord, line_number), with the
--   already-loaded copy of the same request when there is one. The existing side is restricted
--   to the batch's event_time range plus a day on each side ($lo, $hi) and to rows whose
--   dedupe_key is one of the batch's (or unknown), so the join reads one integer column of the
--   loaded rows instead of three strings. Only the columns the dedupe needs are staged: the
--   records themselves are inserted from _ingest_keyed, minus the ones staged here as
--   duplicates (ingest_insert_new), so a batch with a few duplicates costs about what a batch
--   without any does (the whole batch used to be copied into this table and then again into
--   invocation_records: 0.45 s more for 100k records).
-- grain: one row per record of the batch that is a duplicate or has one
CREATE OR REPLACE TEMP TABLE _ingest_batch AS
WITH existing AS (
    SELECT account_id, region, request_id, source_uri, line_number, input_tokens, output_tokens,
           cache_read_input_tokens, cache_write_input_tokens
    FROM invocation_records
    WHERE event_time BETWEEN CAST($lo AS TIMESTAMP) - INTERVAL 1 DAY
                         AND CAST($hi AS TIMESTAMP) + INTERVAL 1 DAY
      AND (dedupe_key IS NULL OR dedupe_key IN (SELECT dedupe_key FROM _ingest_keyed))
),
repeated AS (
    SELECT dedupe_key FROM _ingest_keyed GROUP BY dedupe_key HAVING count(*) > 1
),
candidates AS (
    SELECT account_id, region, request_id, file_ord, line_number, source_uri, input_tokens,
           output_tokens, cache_read_input_tokens, cache_write_input_tokens
    FROM _ingest_keyed AS b
    WHERE b.dedupe_key IN (SELECT dedupe_key FROM repeated)
       OR EXISTS (
           SELECT 1 FROM existing AS e
           WHERE e.account_id = b.account_id AND e.region = b.region
             AND e.request_id = b.request_id
       )
)
SELECT
    c.*,
    row_number() OVER (
        PARTITION BY c.account_id, c.region, c.request_id ORDER BY c.file_ord, c.line_number
    ) AS rn,
    e.source_uri AS existing_uri,
    e.line_number AS existing_line,
    e.input_tokens AS existing_input,
    e.output_tokens AS existing_output,
    e.cache_read_input_tokens AS existing_cache_read,
    e.cache_write_input_tokens AS existing_cache_write
FROM candidates AS c
LEFT JOIN existing AS e
    ON e.account_id = c.account_id AND e.region = c.region AND e.request_id = c.request_id
