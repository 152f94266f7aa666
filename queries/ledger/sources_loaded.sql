-- name: sources_loaded
-- purpose: Which of the candidate source objects ($uris and $fingerprints, two lists of the same
--   length, zipped by unnest) are in the ledger already: they are skipped, so re-ingesting never
--   double counts. Lists, not a registered Arrow table, so that an ingest with nothing new to
--   read needs no pyarrow.
-- grain: one row per candidate already loaded
SELECT s.source_uri, s.fingerprint
FROM source_objects AS s
SEMI JOIN (
    SELECT unnest($uris) AS source_uri, unnest($fingerprints) AS fingerprint
) AS c USING (source_uri, fingerprint)
