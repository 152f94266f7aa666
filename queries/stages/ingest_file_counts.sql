-- name: ingest_file_counts
-- purpose: Per file of the staged batch: its records that were duplicates of a request already
--   kept (for the source_objects ledger and the run summary; the records inserted as new are the
--   file's records minus these).
-- grain: one row per file_ord that had at least one duplicate
SELECT file_ord, count(*) AS duplicates
FROM _ingest_batch
WHERE rn > 1 OR existing_uri IS NOT NULL
GROUP BY file_ord
