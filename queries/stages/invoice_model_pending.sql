-- name: invoice_model_pending
-- purpose: the invoice usage lines whose model no table named (base_model NULL) although the
--   grammar read a model charge, grouped by what the matcher needs: account, Region, day and the
--   names the row carries (CUR 2.0 product['model'] display name, billing name, product name).
--   Parameters: $start, $end (inclusive usage dates).
-- grain: account_id x region x usage_date x model_display_name x billing_model_name x product
SELECT
    account_id,
    region,
    CAST(usage_start AS DATE) AS usage_date,
    model_display_name,
    billing_model_name,
    product,
    endpoint,
    count(*) AS lines
FROM invoice_line_items
WHERE charge_category = 'Usage'
    AND base_model IS NULL
    AND usage_kind IN ('token', 'image', 'training', 'storage', 'provisioned')
    AND coalesce(model_display_name, billing_model_name) IS NOT NULL
    AND CAST(usage_start AS DATE) BETWEEN $start AND $end
GROUP BY ALL
ORDER BY ALL
