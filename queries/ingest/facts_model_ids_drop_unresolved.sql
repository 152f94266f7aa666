-- name: facts_model_ids_drop_unresolved
-- purpose: Ids this database knows only as unresolved that the Spark job resolved (it may have
--   had the mapping row or the API access this machine lacks): dropped so the job's row replaces
--   them (facts_model_ids_insert.sql).
-- grain: model ids
DELETE FROM model_ids
WHERE NOT resolved
  AND model_id IN (SELECT model_id FROM _facts_model_ids WHERE resolved)
