-- name: invoice_insert
-- purpose: replace one billing period of one source family: delete its rows, insert the Bedrock
--   rows of temp table invoice_typed joined to their parsed usage types (temp table
--   invoice_usage_types). Runs inside the caller's transaction, after the delete statement.
--   Amounts are converted to USD by the rate of the row's currency (temp table
--   invoice_currency_rates: USD 1, plus the rates configured in [invoices.currency_rates]; the
--   caller refuses a delivery in a currency without a rate before this runs). Rows marked
--   `duplicate` (a line item already in the delivery) are not inserted. $delivered_at: when the
--   delivery was written (newest S3 LastModified / file mtime).
-- grain: one row per Bedrock invoice line
INSERT INTO invoice_line_items (
    billing_period, usage_start, usage_end, account_id, region, product_code, product,
    usage_type, operation, line_item_type, billing_model_name, base_model, routing, tier, mode,
    charge, quantity, unit, tokens_per_unit, quantity_tokens, unblended_rate, unblended_cost_usd,
    net_cost_usd, resource_id, iam_principal, tags, mapped, source_format, source_uri,
    line_number, run_id, charge_category, usage_kind, endpoint, unit_source, unit_check,
    source_family, payer_account_id, model_display_name, currency, currency_rate,
    line_item_key, delivered_at
)
SELECT
    t.billing_period, t.usage_start, t.usage_end, t.account_id,
    COALESCE(t.region, u.region), t.product_code, t.product_name,
    t.usage_type, t.operation, t.line_item_type, u.billing_model_name, u.base_model, u.routing,
    u.tier, u.mode, u.charge, t.quantity, u.unit, u.tokens_per_unit,
    CASE
        WHEN cat.category = 'Usage' AND u.tokens_per_unit IS NOT NULL
        THEN CAST(t.quantity * u.tokens_per_unit AS DECIMAL(38, 12))
    END,
    -- amounts are below 10^12 (stages/invoice_stage) and rates DECIMAL(14, 11): the product
    -- fits DuckDB's 38-digit decimal arithmetic
    CAST(t.unblended_rate * fx.rate AS DECIMAL(38, 12)),
    CAST(t.unblended_cost * fx.rate AS DECIMAL(38, 12)),
    CAST(t.net_cost * fx.rate AS DECIMAL(38, 12)), t.resource_id, t.iam_principal, t.tags,
    COALESCE(u.mapped, false), t.source_format, t.source_uri, t.line_number, $run_id,
    cat.category, u.kind, u.endpoint, u.unit_source, 'unknown', t.source_family,
    t.payer_account_id, t.model_display_name, t.currency, fx.rate, t.line_item_key,
    CAST($delivered_at AS TIMESTAMP)
FROM invoice_typed AS t
JOIN invoice_currency_rates AS fx ON fx.currency = t.currency
LEFT JOIN invoice_usage_types AS u
    ON u.usage_type IS NOT DISTINCT FROM t.usage_type
    AND u.product_name IS NOT DISTINCT FROM t.product_name
    AND u.pricing_unit IS NOT DISTINCT FROM t.pricing_unit
    AND u.product_code IS NOT DISTINCT FROM t.product_code
    AND u.model_display_name IS NOT DISTINCT FROM t.model_display_name
    AND u.inference_type IS NOT DISTINCT FROM t.inference_type
    AND u.feature IS NOT DISTINCT FROM t.feature
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN t.line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
            THEN 'Usage'
        WHEN t.line_item_type IN (
            'Credit', 'Refund', 'EdpDiscount', 'PrivateRateDiscount', 'BundledDiscount',
            'SppDiscount', 'DistributorDiscount', 'SavingsPlanNegation'
        ) THEN 'Credit'
        WHEN t.line_item_type = 'Tax' THEN 'Tax'
        WHEN t.line_item_type IN (
            'Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee', 'Purchase'
        ) THEN 'Purchase'
        ELSE 'Adjustment'
    END AS category
) AS cat
WHERE t.bad IS NULL AND NOT t.duplicate
    AND (t.strong_bedrock OR (t.marketplace_candidate AND u.kind IN ('token', 'image')))
