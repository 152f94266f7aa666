-- name: spark_model_ids_insert
-- purpose: A Spark task's scratch database takes the job's model-id resolutions (registered Arrow
--   table `_job_model_ids`), so attribution and aggregation see what the driver resolved.
-- grain: one row per model id
INSERT INTO model_ids BY NAME SELECT * FROM _job_model_ids
