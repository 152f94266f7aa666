-- name: logged_model_ids
-- purpose: The model ids the logs have seen (as logged, and resolved base models; ARNs left out):
--   the candidates for a Price List display name.
-- grain: one row per model id
SELECT DISTINCT model_id FROM invocations WHERE model_id NOT LIKE 'arn:%'
UNION
SELECT DISTINCT base_model FROM model_ids WHERE base_model IS NOT NULL
