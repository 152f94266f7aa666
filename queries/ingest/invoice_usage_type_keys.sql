-- name: invoice_usage_type_keys
-- purpose: The distinct usage-type keys of the group's good Bedrock rows (temp table
--   invoice_typed), for the usage-type parser.
-- grain: one row per distinct key
SELECT DISTINCT usage_type, product_name, pricing_unit, product_code,
    model_display_name, inference_type, feature
FROM invoice_typed
WHERE bad IS NULL AND (strong_bedrock OR marketplace_candidate)
