-- name: ingest_insert_new
-- purpose: Insert the records of the batch (_ingest_keyed) that are the first copy, in source
--   order, of a request not loaded yet: every record except the duplicates staged by
--   ingest_stage_batch (counted, never inserted). Rows are inserted in the batch's order, the
--   source order, as ingest_insert_all does.
-- grain: one row per new (account_id, region, request_id)
INSERT INTO invocation_records BY NAME
SELECT * EXCLUDE (file_ord), $run_id AS run_id
FROM _ingest_keyed AS k
WHERE NOT EXISTS (
    SELECT 1 FROM _ingest_batch AS d
    WHERE d.file_ord = k.file_ord AND d.line_number = k.line_number
      AND (d.rn > 1 OR d.existing_uri IS NOT NULL)
)
