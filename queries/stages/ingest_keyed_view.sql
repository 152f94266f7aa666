-- name: ingest_keyed_view
-- purpose: The batch's records (the Arrow table _ingest_arrow, read in place) with their dedupe
--   key (the invocation_key macro of migration 0010); ingest_probe and the inserts read it, so
--   the records never leave Arrow until they are inserted.
-- grain: one row per record of the batch
CREATE OR REPLACE TEMP VIEW _ingest_keyed AS
SELECT *, invocation_key(account_id, region, request_id) AS dedupe_key
FROM _ingest_arrow
