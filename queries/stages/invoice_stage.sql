-- name: invoice_stage
-- purpose: type the raw invoice rows (temp table invoice_norm) into temp table invoice_typed:
--   numbers as exact DECIMAL(38,12) straight from their text (never through binary floats),
--   times as UTC timestamps, account ids (usage and payer) as 12 digits; `bad` names the first field that does not
--   parse (the row is quarantined); `strong_bedrock` says the product code (AmazonBedrock,
--   AmazonBedrockService, AmazonBedrockFoundationModels, AmazonBedrockAgentCore), family or name
--   is Bedrock's (legacy CUR and exports before 2026-07-20 have no product family),
--   `marketplace_candidate` that only the usage type suggests a Marketplace model.
--   Amounts of 10^12 or more and usage amounts of 10^15 or more are out of range (bad).
--   `bad_reason` is the quarantine reason of a bad row: bad_field, or negative_usage_cost for a
--   Usage line whose cost is below zero (credits and refunds are lines of their own).
--   `currency` is the row's ISO currency code (USD when the file has no currency column).
--   `line_item_key` identifies a line item: its line item id and time interval (CUR), else a hash
--   of every field kept; `duplicate` marks a later good row with the key of an earlier one in the
--   delivery (loaded once, counted).
-- grain: one row per raw invoice row
CREATE OR REPLACE TEMP TABLE invoice_typed AS
WITH n AS (
    SELECT
        source_uri, source_format, source_family, line_number,
        TRY_CAST(NULLIF(trim(billing_period), '') AS TIMESTAMPTZ) AS bp,
        TRY_CAST(NULLIF(trim(usage_start), '') AS TIMESTAMPTZ) AS us,
        TRY_CAST(NULLIF(trim(usage_end), '') AS TIMESTAMPTZ) AS ue,
        NULLIF(trim(account_id), '') AS acct,
        NULLIF(trim(region), '') AS region,
        NULLIF(trim(product_code), '') AS product_code,
        NULLIF(trim(product_name), '') AS product_name,
        NULLIF(trim(product_family), '') AS product_family,
        NULLIF(trim(usage_type), '') AS usage_type,
        NULLIF(trim(operation), '') AS operation,
        NULLIF(trim(line_item_type), '') AS line_item_type,
        NULLIF(trim(quantity), '') AS q_raw,
        NULLIF(trim(pricing_unit), '') AS pricing_unit,
        NULLIF(trim(unblended_rate), '') AS rate_raw,
        NULLIF(trim(unblended_cost), '') AS cost_raw,
        NULLIF(trim(net_cost), '') AS net_raw,
        NULLIF(trim(discount_total), '') AS disc_raw,
        discounts,
        NULLIF(trim(resource_id), '') AS resource_id,
        NULLIF(trim(iam_principal), '') AS iam_principal,
        tags,
        NULLIF(trim(payer_account_id), '') AS payer,
        NULLIF(trim(model_display_name), '') AS model_display_name,
        NULLIF(trim(inference_type), '') AS inference_type,
        NULLIF(trim(feature), '') AS feature,
        NULLIF(trim(line_item_id), '') AS line_item_id,
        NULLIF(trim(time_interval), '') AS time_interval,
        upper(coalesce(NULLIF(trim(currency), ''), 'USD')) AS currency
    FROM invoice_norm
), v AS (
    SELECT
        n.*,
        TRY_CAST(q_raw AS DECIMAL(38, 12)) AS q_v,
        TRY_CAST(rate_raw AS DECIMAL(38, 12)) AS rate_v,
        TRY_CAST(cost_raw AS DECIMAL(38, 12)) AS cost_v,
        TRY_CAST(net_raw AS DECIMAL(38, 12)) AS net_v,
        TRY_CAST(disc_raw AS DECIMAL(38, 12)) AS disc_v,
        list_transform(
            map_values(COALESCE(discounts, MAP {})), lambda v: TRY_CAST(v AS DECIMAL(38, 12))
        ) AS disc_list
    FROM n
), c AS (
    -- Range guard: amounts of 10^12 or more (USD or the bill's currency) and quantities of 10^15
    -- units or more are no bill; they would overflow DECIMAL(38, 12) arithmetic once multiplied
    -- by a currency rate or by tokens per unit and stop every later ingest. Such a row is
    -- quarantined (bad_field); nothing is computed from it.
    SELECT
        v.*,
        CASE WHEN abs(q_v) < big.q THEN q_v END AS q,
        CASE WHEN abs(rate_v) < big.usd THEN rate_v END AS rate,
        CASE WHEN abs(cost_v) < big.usd THEN cost_v END AS cost,
        CASE WHEN abs(net_v) < big.usd THEN net_v END AS net,
        CASE WHEN abs(disc_v) < big.usd THEN disc_v END AS disc,
        list_sum(list_transform(disc_list, lambda x: CASE WHEN abs(x) < big.usd THEN x END))
            AS disc_map,
        coalesce(list_bool_or(list_transform(disc_list, lambda x: abs(x) >= big.usd)), false)
            AS disc_map_big,
        abs(q_v) >= big.q OR abs(rate_v) >= big.usd OR abs(cost_v) >= big.usd
            OR abs(net_v) >= big.usd OR abs(disc_v) >= big.usd AS too_big
    FROM v
    CROSS JOIN (
        SELECT CAST('1000000000000' AS DECIMAL(38, 12)) AS usd,
            CAST('1000000000000000' AS DECIMAL(38, 12)) AS q
    ) AS big
), t AS (
SELECT
    source_uri, source_format, source_family, line_number,
    CAST(date_trunc('month', CAST(bp AS TIMESTAMP)) AS DATE) AS billing_period,
    CAST(us AS TIMESTAMP) AS usage_start,
    COALESCE(CAST(ue AS TIMESTAMP), CAST(us AS TIMESTAMP)) AS usage_end,
    CASE WHEN regexp_full_match(acct, '[0-9]{1,12}') THEN lpad(acct, 12, '0') ELSE acct END
        AS account_id,
    region, product_code, product_name, product_family, usage_type, operation,
    COALESCE(line_item_type, 'Usage') AS line_item_type,
    q AS quantity, pricing_unit, rate AS unblended_rate, cost AS unblended_cost,
    CAST(COALESCE(net, cost + disc, cost + disc_map, cost) AS DECIMAL(38, 12)) AS net_cost,
    resource_id, iam_principal, tags,
    CASE WHEN regexp_full_match(payer, '[0-9]{1,12}') THEN lpad(payer, 12, '0') ELSE payer END
        AS payer_account_id,
    model_display_name, inference_type, feature,
    CASE
        WHEN coalesce(too_big, false) OR disc_map_big
            THEN 'an amount is out of range (10^12 or more, or a usage amount of 10^15 or more)'
        WHEN bp IS NULL THEN 'billing period start is missing or not a timestamp'
        WHEN us IS NULL THEN 'usage start is missing or not a timestamp'
        WHEN acct IS NULL THEN 'usage account id is missing'
        WHEN cost_raw IS NULL THEN 'unblended cost is missing'
        WHEN cost IS NULL THEN 'unblended cost is not a number'
        WHEN q_raw IS NOT NULL AND q IS NULL THEN 'usage amount is not a number'
        WHEN rate_raw IS NOT NULL AND rate IS NULL THEN 'unblended rate is not a number'
        WHEN net_raw IS NOT NULL AND net IS NULL THEN 'net cost is not a number'
        WHEN disc_raw IS NOT NULL AND disc IS NULL THEN 'total discount is not a number'
        WHEN cost < 0 AND COALESCE(line_item_type, 'Usage')
                IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
            THEN 'Usage line with a negative cost: ' || CAST(cost AS VARCHAR)
    END AS bad,
    CASE
        WHEN coalesce(too_big, false) OR disc_map_big
            OR bp IS NULL OR us IS NULL OR acct IS NULL OR cost IS NULL
            OR (q_raw IS NOT NULL AND q IS NULL) OR (rate_raw IS NOT NULL AND rate IS NULL)
            OR (net_raw IS NOT NULL AND net IS NULL) OR (disc_raw IS NOT NULL AND disc IS NULL)
            THEN 'bad_field'
        WHEN cost < 0 AND COALESCE(line_item_type, 'Usage')
                IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
            THEN 'negative_usage_cost'
    END AS bad_reason,
    currency,
    CASE
        WHEN line_item_id IS NOT NULL
            THEN 'id:' || line_item_id || '|'
                || coalesce(time_interval, CAST(us AS VARCHAR) || '/' || CAST(ue AS VARCHAR))
        ELSE 'row:' || md5(concat_ws('|',
            CAST(bp AS VARCHAR), CAST(us AS VARCHAR), CAST(ue AS VARCHAR), acct, payer,
            region, product_code, product_name, product_family, usage_type, operation,
            line_item_type, CAST(q AS VARCHAR), pricing_unit, CAST(rate AS VARCHAR),
            CAST(cost AS VARCHAR), CAST(net AS VARCHAR), CAST(disc AS VARCHAR),
            CAST(disc_map AS VARCHAR), resource_id, iam_principal, CAST(tags AS VARCHAR),
            currency))
    END AS line_item_key,
    (
        product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels',
                         'AmazonBedrockAgentCore')
        OR product_family = 'Amazon Bedrock'
        OR product_name IN ('Amazon Bedrock', 'Amazon Bedrock Service', 'Amazon Bedrock AgentCore')
        OR product_name LIKE '%(Amazon Bedrock Edition)'
    ) IS TRUE AS strong_bedrock,
    COALESCE(
        usage_type LIKE '%-MP:%' OR regexp_full_match(usage_type, '[A-Z]{2,4}[0-9]?_.+-Units'),
        false
    ) AS marketplace_candidate
FROM c
)
SELECT
    t.*,
    bad IS NULL AND row_number() OVER (
        PARTITION BY line_item_key, bad IS NULL ORDER BY source_uri, line_number
    ) > 1 AS duplicate
FROM t
