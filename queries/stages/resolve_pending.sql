-- name: resolve_pending
-- purpose: The distinct logged model ids the resolve stage must (re)resolve: those with no
--   model_ids row or an unresolved one (they are retried every run), or every id when $refresh.
-- grain: one row per distinct invocation_records.model_id
SELECT DISTINCT r.model_id
FROM invocation_records AS r
LEFT JOIN model_ids AS m USING (model_id)
WHERE $refresh OR m.model_id IS NULL OR NOT m.resolved
ORDER BY r.model_id;
