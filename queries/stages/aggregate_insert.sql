-- name: stages/aggregate_insert
-- purpose: Write the hourly facts Polars computed (the Arrow/Polars frame registered as
--   `_usage_facts`, reconciler.stages.aggregate.facts_from_groups) with the run that wrote them.
INSERT INTO usage_hourly_facts BY NAME
SELECT *, $run_id AS run_id FROM _usage_facts
