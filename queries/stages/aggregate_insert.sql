-- name: stages/aggregate_insert
-- purpose: Write the hourly facts Polars computed (reconciler.stages.aggregate.facts_from_groups,
--   as the Arrow table `new_rows` of reconciler.db.bulk) with the run that wrote them.
INSERT INTO usage_hourly_facts BY NAME
SELECT *, $run_id AS run_id FROM new_rows
