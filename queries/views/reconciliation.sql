-- name: reconciliation
-- purpose: Logged-and-rated usage against the invoice per bucket, with the delta and its most
--   likely cause (docs/reconciliation.md). Logged in_region and geo calls are folded into routing
--   `regional` because one usage type bills both; global stays global. Credits, discounts, taxes
--   and fees that name no model are rows of their own (line_item_type set).
-- grain: usage_date x account_id x region x base_model x routing x tier x mode x charge; unmapped
--   usage types add usage_type, untied credits/taxes/fees add line_item_type
-- column usage_date: UTC day of the usage (invoice: line_item_usage_start_date)
-- column account_id: usage account
-- column region: source Region (invoice: product_region_code)
-- column base_model: foundation model id; NULL for unmapped usage types and untied credits
-- column routing: regional (in-region or geo) | global | unknown; NULL for non-model charges
-- column tier: standard | priority | flex
-- column mode: on_demand | batch | provisioned | custom_import
-- column charge: CONTRACT charge vocabulary (input_tokens, output_tokens, model_unit_hours ...)
-- column usage_type: the invoice usage type, only on unmapped_usage_type rows
-- column line_item_type: Credit, Tax, EdpDiscount ..., only on rows not tied to a bucket
-- column logged_quantity: logged quantity (tokens, or the charge's unit); 0 when nothing logged
-- column invoiced_quantity: invoiced quantity converted to tokens (else the charge's unit)
-- column rated_cost_usd: rated cost of the logged usage; NULL when none of it has a price
-- column invoiced_cost_usd: sum of net cost of the bucket's invoice lines (0 when none)
-- column delta_usd: invoiced_cost_usd - rated_cost_usd (NULL rated counts as 0), exact
-- column tolerance_usd: the larger of tolerances.absolute_usd and tolerances.percent of invoiced
-- column status: matched (|delta| within tolerance) | gap
-- column cause: unlogged_usage | unbilled_usage | price_mismatch | unit_mismatch |
--   discount_or_credit | unmapped_usage_type | non_token_charge | rounding | unpriced_usage |
--   tax_or_fee | provisioned_tokens; NULL when delta is exactly 0 on a bucket both sides know
-- column explanation: one line with the figures behind the cause (numbers and ids only)
-- column run_id: the run that reconciled this window
CREATE OR REPLACE VIEW reconciliation AS
SELECT
    usage_date, account_id, region, base_model, routing, tier, mode, charge, usage_type,
    line_item_type, logged_quantity, invoiced_quantity, rated_cost_usd, invoiced_cost_usd,
    delta_usd, tolerance_usd, status, cause, explanation, run_id
FROM reconciliation_rows;
