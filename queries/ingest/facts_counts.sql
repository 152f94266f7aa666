-- name: facts_counts
-- purpose: What one `ingest facts` load did, for the run summary: fact rows, manifest objects,
--   new objects, their records and duplicates, and the quarantine rows and conflicts loaded.
-- grain: one row
SELECT (SELECT count(*) FROM _facts_facts) AS fact_rows,
       (SELECT count(*) FROM _facts_manifest) AS files,
       (SELECT count(*) FROM _facts_new) AS files_new,
       (SELECT coalesce(sum(records), 0) FROM _facts_new) AS records,
       (SELECT coalesce(sum(duplicates), 0) FROM _facts_new) AS duplicates,
       (SELECT count(*) FROM _facts_quarantine SEMI JOIN _facts_new USING (source_uri))
           AS quarantined,
       (SELECT count(*) FROM _facts_duplicate_conflicts
        WHERE dup_source_uri IN (SELECT source_uri FROM _facts_new)) AS conflicts
