-- name: cost_explorer_record_pull
-- purpose: The ledger row of one Cost Explorer pull: the window is its key (as for CloudWatch
--   windows), with the lines it gave and the groups it quarantined.
-- grain: one row per pulled window
INSERT OR REPLACE INTO source_objects (source_uri, fingerprint, size_bytes, kind, run_id,
    loaded_at, records, duplicates, quarantined)
VALUES ($uri, $fingerprint, NULL, 'invoice_cost_explorer', $run_id, $loaded_at, $records, 0,
    $quarantined)
