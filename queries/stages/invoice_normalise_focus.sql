-- name: invoice_normalise_focus
-- purpose: FOCUS 1.0 / 1.2 with AWS columns -> the common raw invoice columns. The usage type is
--   x_UsageType (1.0) or SkuMeter (1.2); the line type is ChargeCategory; quantity and unit are
--   PricingQuantity/PricingUnit (the CUR usage amount and pricing unit; ConsumedQuantity when
--   absent); cost is BilledCost and net cost EffectiveCost (UNCONFIRMED equivalences, see
--   docs/invoices.md). FOCUS carries no IAM principal. Any spec-conformant FOCUS 1.0-1.2 file
--   reads: an AWS column it lacks (x_ServiceCode, x_UsageType) is NULL. SkuPriceDetails (1.1+),
--   when it is a JSON object with keys model / inference_type / feature, describes the SKU like
--   the CUR 2.0 product map (UNCONFIRMED for AWS exports).
--   A temp view, invoice_normalised (by file_row); ingest/invoice_normalise inserts it into
--   invoice_norm with the file's name, format and line numbers.
-- grain: one row per FOCUS charge row
CREATE OR REPLACE TEMP VIEW invoice_normalised AS
SELECT
    file_row,
    CAST(BillingPeriodStart AS VARCHAR) AS billing_period,
    CAST(ChargePeriodStart AS VARCHAR) AS usage_start,
    CAST(ChargePeriodEnd AS VARCHAR) AS usage_end,
    CAST(SubAccountId AS VARCHAR) AS account_id,
    CAST(RegionId AS VARCHAR) AS region,
    CAST(x_ServiceCode AS VARCHAR) AS product_code,
    CAST(ServiceName AS VARCHAR) AS product_name,
    CAST(NULL AS VARCHAR) AS product_family,
    COALESCE(CAST(x_UsageType AS VARCHAR), CAST(SkuMeter AS VARCHAR)) AS usage_type,
    CAST(x_Operation AS VARCHAR) AS operation,
    CAST(ChargeCategory AS VARCHAR) AS line_item_type,
    COALESCE(CAST(PricingQuantity AS VARCHAR), CAST(ConsumedQuantity AS VARCHAR)) AS quantity,
    CAST(PricingUnit AS VARCHAR) AS pricing_unit,
    COALESCE(CAST(ContractedUnitPrice AS VARCHAR), CAST(ListUnitPrice AS VARCHAR)) AS unblended_rate,
    CAST(BilledCost AS VARCHAR) AS unblended_cost,
    CAST(EffectiveCost AS VARCHAR) AS net_cost,
    CAST(NULL AS VARCHAR) AS discount_total,
    CAST(NULL AS MAP(VARCHAR, VARCHAR)) AS discounts,
    CAST(ResourceId AS VARCHAR) AS resource_id,
    CAST(NULL AS VARCHAR) AS iam_principal,
    Tags AS tags,
    CAST(BillingAccountId AS VARCHAR) AS payer_account_id,
    CASE WHEN json_valid(sku) THEN coalesce(json_extract_string(sku, '$.model'),
                                            json_extract_string(sku, '$.Model')) END
        AS model_display_name,
    CASE WHEN json_valid(sku) THEN coalesce(json_extract_string(sku, '$.inference_type'),
                                            json_extract_string(sku, '$.inferenceType')) END
        AS inference_type,
    CASE WHEN json_valid(sku) THEN coalesce(json_extract_string(sku, '$.feature'),
                                            json_extract_string(sku, '$.Feature')) END
        AS feature
FROM (SELECT *, NULLIF(trim(CAST(SkuPriceDetails AS VARCHAR)), '') AS sku FROM invoice_src)
