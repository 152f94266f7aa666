-- name: invoice_normalise_cur_legacy
-- purpose: legacy CUR (lineItem/UsageType-style column names) -> the common raw invoice columns.
--   Resource tags (one resourceTags/user:x column each) are not carried: tags is NULL.
--   A temp view, invoice_normalised (by file_row); ingest/invoice_normalise inserts it into
--   invoice_norm with the file's name, format and line numbers.
-- grain: one row per CUR line item
CREATE OR REPLACE TEMP VIEW invoice_normalised AS
SELECT
    file_row,
    CAST("bill/BillingPeriodStartDate" AS VARCHAR) AS billing_period,
    CAST("lineItem/UsageStartDate" AS VARCHAR) AS usage_start,
    CAST("lineItem/UsageEndDate" AS VARCHAR) AS usage_end,
    CAST("lineItem/UsageAccountId" AS VARCHAR) AS account_id,
    CAST("product/regionCode" AS VARCHAR) AS region,
    CAST("lineItem/ProductCode" AS VARCHAR) AS product_code,
    CAST("product/ProductName" AS VARCHAR) AS product_name,
    CAST("product/productFamily" AS VARCHAR) AS product_family,
    CAST("lineItem/UsageType" AS VARCHAR) AS usage_type,
    CAST("lineItem/Operation" AS VARCHAR) AS operation,
    CAST("lineItem/LineItemType" AS VARCHAR) AS line_item_type,
    CAST("lineItem/UsageAmount" AS VARCHAR) AS quantity,
    CAST("pricing/unit" AS VARCHAR) AS pricing_unit,
    CAST("lineItem/UnblendedRate" AS VARCHAR) AS unblended_rate,
    CAST("lineItem/UnblendedCost" AS VARCHAR) AS unblended_cost,
    CAST("lineItem/NetUnblendedCost" AS VARCHAR) AS net_cost,
    CAST("discount/TotalDiscount" AS VARCHAR) AS discount_total,
    CAST(NULL AS MAP(VARCHAR, VARCHAR)) AS discounts,
    CAST("lineItem/ResourceId" AS VARCHAR) AS resource_id,
    CAST(NULL AS VARCHAR) AS iam_principal,
    CAST(NULL AS MAP(VARCHAR, VARCHAR)) AS tags,
    CAST("bill/PayerAccountId" AS VARCHAR) AS payer_account_id,
    CAST(NULL AS VARCHAR) AS model_display_name,
    CAST(NULL AS VARCHAR) AS inference_type,
    CAST(NULL AS VARCHAR) AS feature
FROM invoice_src
