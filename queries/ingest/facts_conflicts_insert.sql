-- name: facts_conflicts_insert
-- purpose: The duplicate conflicts the Spark job found whose duplicate lies in an object new to
--   the ledger, under this run's id.
-- grain: one row per conflicting duplicate
INSERT INTO duplicate_conflicts BY NAME
SELECT d.*, $run_id AS run_id
FROM _facts_duplicate_conflicts AS d
WHERE d.dup_source_uri IN (SELECT source_uri FROM _facts_new)
