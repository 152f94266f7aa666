-- name: invoice_lines
-- purpose: Bedrock invoice lines as billed (CUR 2.0, legacy CUR, FOCUS, Cost Explorer), with the
--   usage type parsed into model, charge, mode, tier and routing and the quantity converted to
--   tokens. Credits, discounts and tax are kept with their line item type. Non-Bedrock rows are
--   not here. Only the source used for a billing period and account is shown: when CUR 2.0, FOCUS,
--   legacy CUR, copies of one of them or Cost Explorer hold the same month, the others' lines
--   are superseded (see view invoice_sources and docs/invoices.md); a duplicated line item is here
--   once. Amounts are USD: a bill in another currency is loaded only with a configured rate.
-- grain: one row per Bedrock line item of the latest delivery of the source used for each billing
--   period and account
-- column billing_period: first day of the billing month
-- column usage_start: UTC start of the line's usage period (hour or day)
-- column usage_end: UTC end of the line's usage period
-- column account_id: 12-digit usage account
-- column region: AWS Region code (the row's own region, else the usage-type prefix)
-- column product_code: line_item_product_code / x_ServiceCode (AmazonBedrock or a Marketplace code)
-- column product: product name, e.g. "Claude Sonnet 4.5 (Amazon Bedrock Edition)"
-- column usage_type: the billing usage type as written (FOCUS 1.2: SkuMeter)
-- column operation: line_item_operation, e.g. InvokeModelInference
-- column line_item_type: Usage | Credit | Refund | Tax | EdpDiscount | ... (FOCUS: ChargeCategory)
-- column charge_category: FOCUS-style category: Usage | Credit | Tax | Purchase | Adjustment
-- column billing_model_name: model segment of the usage type (Marketplace: the product name)
-- column base_model: base model id; NULL when the billing name is not in the mapping
-- column routing: regional | global; NULL for charges that are not per model call
-- column tier: standard | priority | flex
-- column mode: on_demand | batch | provisioned | custom_import
-- column charge: CONTRACT charge vocabulary; other when the usage type is not understood
-- column usage_kind: token | image | guardrail | provisioned | storage | training | custom_import | agentcore | knowledge_base | unknown (Bedrock-shaped usage type of no known pattern: a finding)
-- column endpoint: runtime | mantle (Mantle calls are not in invocation logs)
-- column mapped: false when the usage type or its model is not in the mapping (unmapped_usage_type)
-- column quantity: native usage amount in `unit`
-- column unit: pricing unit (the row's own, else the scheme default, e.g. 1K tokens)
-- column unit_source: pricing_unit | usage_type_default (the default is UNCONFIRMED by AWS)
-- column tokens_per_unit: tokens per unit of quantity; NULL for non-token charges
-- column quantity_tokens: quantity x tokens_per_unit for usage lines; NULL for non-token charges
-- column unit_check: ok | x1000_off | unknown: billed cost against the price book per token
-- column unblended_rate: billed rate per unit
-- column unblended_cost_usd: cost before discounts, DECIMAL(38,12) USD (converted by currency_rate)
-- column net_cost_usd: cost after discounts (net unblended / discount map / EffectiveCost)
-- column resource_id: line_item_resource_id (e.g. an inference profile ARN) when exported
-- column iam_principal: calling IAM principal when the export includes it (CUR 2.0 only)
-- column source_format: cur2 | cur_legacy | focus_1_0 | focus_1_2 | cost_explorer
-- column source_uri: file or object the line came from (Cost Explorer: the ce: query)
-- column line_number: 1-based line (CSV), row (Parquet) or group of a Cost Explorer pull
-- column run_id: run that loaded the line
-- column payer_account_id: 12-digit payer (management) account that receives the invoice (CUR
--   bill_payer_account_id, FOCUS BillingAccountId); NULL when the source does not name it
-- column model_display_name: the row's own model name (CUR 2.0 product['model'], e.g. "Llama 3.3
--   70B"); NULL when the export does not describe it
-- column model_match: how a model no table named was matched to the models logged the same
--   account, Region and day, or the ambiguous/missing finding naming every candidate; NULL when
--   a table named the model
-- column currency: ISO 4217 code the line was billed in (CUR line_item_currency_code, FOCUS
--   BillingCurrency; USD when the file has no currency column; NULL for lines loaded before migration 0015)
-- column currency_rate: USD per unit of `currency` applied to the amounts (1 for USD; else the
--   configured [invoices.currency_rates] rate)
CREATE OR REPLACE VIEW invoice_lines AS
SELECT
    billing_period, usage_start, usage_end, account_id, region, product_code, product,
    usage_type, operation, line_item_type, charge_category, billing_model_name, base_model,
    routing, tier, mode, charge, usage_kind, endpoint, mapped, quantity, unit, unit_source,
    tokens_per_unit, quantity_tokens, unit_check, unblended_rate, unblended_cost_usd,
    net_cost_usd, resource_id, iam_principal, source_format, source_uri, line_number, run_id,
    payer_account_id, model_display_name, model_match, currency, currency_rate
FROM invoice_line_items
WHERE superseded_by IS NULL;
