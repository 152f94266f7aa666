-- name: stages/allocate_insert
-- purpose: Write the rounded allocation (the Arrow table registered as `_allocated_batch`,
--   reconciler.stages.allocate) with the run that wrote it.
INSERT INTO allocated_spend_rows BY NAME
SELECT *, $run_id AS run_id FROM _allocated_batch
