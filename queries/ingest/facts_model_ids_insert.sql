-- name: facts_model_ids_insert
-- purpose: The Spark job's model ids this database does not know (after
--   facts_model_ids_drop_unresolved.sql): a resolved id is never overwritten.
-- grain: model ids
INSERT INTO model_ids BY NAME
SELECT * FROM _facts_model_ids
ANTI JOIN model_ids USING (model_id)
