-- name: ingest_insert_all
-- purpose: Insert every record of the staged batch (the Arrow table _ingest_keyed: its records
--   and their dedupe keys) when ingest_probe found no clash: all are new and unique, so no
--   staging table, window function or join is needed. The records are already in source order
--   (file_ord, line_number).
-- grain: one row per record of the batch
INSERT INTO invocation_records BY NAME
SELECT * EXCLUDE (file_ord), $run_id AS run_id
FROM _ingest_keyed
