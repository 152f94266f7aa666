-- name: ingest_file_counts
-- purpose: Per file of the staged batch: records inserted as new and records that were
--   duplicates of a request already kept (for the source_objects ledger and the run summary).
-- grain: one row per file_ord that had at least one parsed record
SELECT
    file_ord,
    count(*) FILTER (WHERE rn = 1 AND existing_uri IS NULL) AS records,
    count(*) FILTER (WHERE rn > 1 OR existing_uri IS NOT NULL) AS duplicates
FROM _ingest_batch
GROUP BY file_ord
