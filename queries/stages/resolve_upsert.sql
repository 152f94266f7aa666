-- name: resolve_upsert
-- purpose: Write one resolution into model_ids, replacing an earlier row for the same model id
--   (unresolved ids are retried; a refresh replaces resolved ones). Every value is bound.
-- grain: one row per model_id
INSERT OR REPLACE INTO model_ids
    (model_id, base_model, routing, kind, mode, geo, profile_arn, tags, resolved, resolution,
     resolved_at, model_units, commitment_duration, commitment_expires_at, source_model_arn)
VALUES
    ($model_id, $base_model, $routing, $kind, $mode, $geo, $profile_arn,
     CAST($tags AS MAP(VARCHAR, VARCHAR)), $resolved, $resolution, $resolved_at,
     $model_units, $commitment_duration, $commitment_expires_at, $source_model_arn);
