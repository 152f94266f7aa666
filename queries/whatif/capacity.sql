-- name: whatif_capacity
-- purpose: The provisioned scenario's capacity assumptions as temporary table
--   wf_capacity(base_model, tokens_per_minute): $capacity_model[i] serves $capacity_tpm[i] tokens
--   per minute per model unit ([whatif] model_unit_tokens_per_minute; '*' = any model). An
--   assumption, not an AWS figure. An empty list gives an empty table.
-- grain: one row per capacity assumption
CREATE OR REPLACE TEMP TABLE wf_capacity AS
SELECT unnest(CAST($capacity_model AS VARCHAR[])) AS base_model,
       unnest(CAST($capacity_tpm AS BIGINT[])) AS tokens_per_minute;
