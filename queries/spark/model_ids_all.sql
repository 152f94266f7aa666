-- name: spark_model_ids_all
-- purpose: Every model-id resolution of the driver's scratch database, shipped to the tasks.
-- grain: one row per model id
SELECT * FROM model_ids ORDER BY model_id
