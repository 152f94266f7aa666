-- name: facts_ledger_insert
-- purpose: The manifest's new objects into the source ledger, so `ingest logs` and a later
--   `ingest facts` skip them (the manifest's `ledger` flag leaves out rows that only carry counts).
-- grain: one row per new ledger object
INSERT INTO source_objects (source_uri, fingerprint, size_bytes, kind, run_id, loaded_at, records,
                            duplicates, quarantined)
SELECT source_uri, fingerprint, size_bytes, kind, $run_id, now() AT TIME ZONE 'UTC', records,
       duplicates, quarantined
FROM _facts_new
WHERE ledger
