-- name: source_loaded
-- purpose: Is this source object (file, S3 object, pulled window) already in the ledger with this
--   fingerprint? Then it is skipped: re-ingesting never double counts.
-- grain: one row when loaded, none otherwise
SELECT 1 FROM source_objects WHERE source_uri = $uri AND fingerprint = $fingerprint
