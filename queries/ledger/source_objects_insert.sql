-- name: source_objects_insert
-- purpose: The ledger rows of a committed batch (view new_rows: one per source object read, with
--   its records, duplicates and quarantined lines), in the batch's transaction.
-- grain: one row per source object
INSERT INTO source_objects (source_uri, fingerprint, size_bytes, kind, run_id, loaded_at,
    records, duplicates, quarantined)
SELECT source_uri, fingerprint, size_bytes, kind, run_id, loaded_at, records, duplicates,
    quarantined
FROM new_rows
