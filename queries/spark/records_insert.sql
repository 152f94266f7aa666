-- name: spark_records_insert
-- purpose: A chunk of the job's deduplicated records (registered Arrow table `_job_records`) into
--   a task's scratch invocation_records, for the product's attribute and aggregate stages.
-- grain: one row per record
INSERT INTO invocation_records BY NAME
SELECT * EXCLUDE (file_ord), 'spark' AS run_id FROM _job_records
