-- name: invoice_usage_types_table
-- purpose: The temp table of the group's distinct usage-type keys and what the usage-type parser
--   (Python, reconciler.core.usage_types) made of them: model, charge, mode, unit. invoice_insert
--   joins it; filled by invoice_usage_types_insert.
-- grain: one row per distinct (usage_type, product_name, pricing_unit, product_code, display
--   name, inference type, feature) of the group's Bedrock rows
CREATE OR REPLACE TEMP TABLE invoice_usage_types (
    usage_type VARCHAR, product_name VARCHAR, pricing_unit VARCHAR, product_code VARCHAR,
    model_display_name VARCHAR, inference_type VARCHAR, feature VARCHAR, region VARCHAR,
    billing_model_name VARCHAR, base_model VARCHAR, charge VARCHAR, mode VARCHAR, tier VARCHAR,
    routing VARCHAR, kind VARCHAR, endpoint VARCHAR, mapped BOOLEAN, tokens_per_unit BIGINT,
    unit VARCHAR, unit_source VARCHAR)
