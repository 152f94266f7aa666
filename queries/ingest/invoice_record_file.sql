-- name: invoice_record_file
-- purpose: The ledger row of one loaded billing file (source_objects): its fingerprint, and the
--   lines it gave this run, its duplicates and its quarantined Bedrock rows. An unchanged file
--   is skipped next time.
-- grain: one row per billing file
INSERT OR REPLACE INTO source_objects (source_uri, fingerprint, size_bytes, kind, run_id,
    loaded_at, records, duplicates, quarantined)
SELECT $uri, $fingerprint, $size, $kind, $run_id, $loaded_at,
    (SELECT count(*) FROM invoice_line_items WHERE source_uri = $uri AND run_id = $run_id),
    $duplicates,
    (SELECT count(*) FROM invoice_typed
        WHERE source_uri = $uri AND bad IS NOT NULL AND (strong_bedrock OR marketplace_candidate))
