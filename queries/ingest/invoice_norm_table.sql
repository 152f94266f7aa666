-- name: invoice_norm_table
-- purpose: The temp table the normalisers fill: every format's rows in the common raw invoice
--   columns, as text (typed and checked by invoice_stage). Recreated per group of files.
-- grain: one row per line of a staged billing file
CREATE OR REPLACE TEMP TABLE invoice_norm (
    source_uri VARCHAR, source_format VARCHAR, source_family VARCHAR, line_number BIGINT,
    billing_period VARCHAR, usage_start VARCHAR, usage_end VARCHAR, account_id VARCHAR,
    region VARCHAR, product_code VARCHAR, product_name VARCHAR, product_family VARCHAR,
    usage_type VARCHAR, operation VARCHAR, line_item_type VARCHAR, quantity VARCHAR,
    pricing_unit VARCHAR, unblended_rate VARCHAR, unblended_cost VARCHAR, net_cost VARCHAR,
    discount_total VARCHAR, discounts MAP(VARCHAR, VARCHAR), resource_id VARCHAR,
    iam_principal VARCHAR, tags MAP(VARCHAR, VARCHAR), payer_account_id VARCHAR,
    model_display_name VARCHAR, inference_type VARCHAR, feature VARCHAR,
    line_item_id VARCHAR, time_interval VARCHAR, currency VARCHAR)
