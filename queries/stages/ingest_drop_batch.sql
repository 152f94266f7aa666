-- name: ingest_drop_batch
-- purpose: Drop the batch's staging table (ingest_stage_batch) once its records are inserted.
-- grain: none
DROP TABLE _ingest_batch
