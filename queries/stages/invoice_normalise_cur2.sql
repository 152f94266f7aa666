-- name: invoice_normalise_cur2
-- purpose: CUR 2.0 (Data Exports, snake_case columns) -> the common raw invoice columns, as text.
--   Reads temp view invoice_src (every column below guaranteed, maps as MAP(VARCHAR, VARCHAR)).
--   The product map's self-description (keys model, inference_type, feature; CUR 2.0 exports since
--   2026-07-20) is carried for usage types no table knows yet.
--   A temp view, invoice_normalised (by file_row); ingest/invoice_normalise inserts it into
--   invoice_norm with the file's name, format and line numbers.
-- grain: one row per CUR line item
CREATE OR REPLACE TEMP VIEW invoice_normalised AS
SELECT
    file_row,
    CAST(bill_billing_period_start_date AS VARCHAR) AS billing_period,
    CAST(line_item_usage_start_date AS VARCHAR) AS usage_start,
    CAST(line_item_usage_end_date AS VARCHAR) AS usage_end,
    CAST(line_item_usage_account_id AS VARCHAR) AS account_id,
    CAST(product_region_code AS VARCHAR) AS region,
    CAST(line_item_product_code AS VARCHAR) AS product_code,
    COALESCE(product['product_name'], CAST(product_product_name AS VARCHAR)) AS product_name,
    CAST(product_product_family AS VARCHAR) AS product_family,
    CAST(line_item_usage_type AS VARCHAR) AS usage_type,
    CAST(line_item_operation AS VARCHAR) AS operation,
    CAST(line_item_line_item_type AS VARCHAR) AS line_item_type,
    CAST(line_item_usage_amount AS VARCHAR) AS quantity,
    COALESCE(CAST(pricing_unit AS VARCHAR), CAST(product_pricing_unit AS VARCHAR)) AS pricing_unit,
    CAST(line_item_unblended_rate AS VARCHAR) AS unblended_rate,
    CAST(line_item_unblended_cost AS VARCHAR) AS unblended_cost,
    CAST(line_item_net_unblended_cost AS VARCHAR) AS net_cost,
    COALESCE(CAST(discount_total_discount AS VARCHAR), discount['total_discount']) AS discount_total,
    discount AS discounts,
    CAST(line_item_resource_id AS VARCHAR) AS resource_id,
    CAST(line_item_iam_principal AS VARCHAR) AS iam_principal,
    resource_tags AS tags,
    CAST(bill_payer_account_id AS VARCHAR) AS payer_account_id,
    product['model'] AS model_display_name,
    product['inference_type'] AS inference_type,
    product['feature'] AS feature
FROM invoice_src
