-- name: resolve_digest
-- purpose: Everything in model_ids but resolved_at, in one row: when a resolve pass leaves it the
--   same (an id still unresolved the same way), its writes are rolled back and the run publishes
--   nothing.
-- grain: one row
SELECT count(*), bit_xor(hash(model_id, base_model, routing, kind, mode, geo, profile_arn,
    tags, resolved, resolution, model_units, commitment_duration, commitment_expires_at,
    source_model_arn))
FROM model_ids
