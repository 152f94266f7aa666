-- name: facts_new_objects
-- purpose: The source objects of a Spark job's manifest (`reconciler ingest facts`) that the
--   source ledger does not hold yet: objects loaded before (by this verb or `ingest logs`) already
--   have their quarantine rows, conflicts and ledger rows in the database.
-- grain: one row per new source object of the manifest
CREATE OR REPLACE TEMP TABLE _facts_new AS
SELECT m.*
FROM _facts_manifest AS m
ANTI JOIN source_objects AS s USING (source_uri, fingerprint)
