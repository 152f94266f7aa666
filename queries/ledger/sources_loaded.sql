-- name: sources_loaded
-- purpose: Which of the candidate source objects (view new_rows: source_uri, fingerprint) are in
--   the ledger already: they are skipped, so re-ingesting never double counts.
-- grain: one row per candidate already loaded
SELECT s.source_uri, s.fingerprint
FROM source_objects AS s
SEMI JOIN new_rows AS c USING (source_uri, fingerprint)
