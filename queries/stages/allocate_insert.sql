-- name: stages/allocate_insert
-- purpose: Write the rounded allocation (reconciler.stages.allocate, as the Arrow table
--   `new_rows` of reconciler.db.bulk) with the run that wrote it.
INSERT INTO allocated_spend_rows BY NAME
SELECT *, $run_id AS run_id FROM new_rows
