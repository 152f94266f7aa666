-- name: ingest_keys
-- purpose: The dedupe key of every record of an ingest batch (the Arrow table _ingest_arrow), in
--   its order: the invocation_key macro of migration 0010. The loader appends the column to the
--   batch's Arrow table (_ingest_keyed), so the key is computed once for the probe and the insert.
-- grain: one row per record of the batch
SELECT invocation_key(account_id, region, request_id) AS dedupe_key FROM _ingest_arrow
