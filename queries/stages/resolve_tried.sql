-- name: resolve_tried
-- purpose: Record that the API was asked about these model ids ($model_ids, a list) at $now and
--   they are still unresolved; resolved ones need no retry time.
-- grain: statement
UPDATE model_ids
SET tried_at = CAST($now AS TIMESTAMP)
WHERE NOT resolved AND model_id IN (SELECT unnest(CAST($model_ids AS VARCHAR[])))
