-- name: resolve_recently_tried
-- purpose: Unresolved model ids whose API lookup was tried at or after $since: the resolve stage
--   leaves them as they are until the retry interval has passed (model_id_retry_minutes).
-- grain: one row per model_id
SELECT model_id
FROM model_ids
WHERE NOT resolved AND tried_at >= CAST($since AS TIMESTAMP)
