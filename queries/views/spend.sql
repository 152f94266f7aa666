-- name: spend
-- purpose: Rated usage per day and key, in exact USD. priced = false means the price book had no
--   price (or the model is unknown): cost columns are NULL, never 0, and the run exits 1.
--   Each priced row names the price (price_id) and discount (discount_id) it was rated with;
--   prices are the ones effective on usage_date, so re-rating history uses the prices of then.
-- grain: usage_date × account_id × region × base_model × routing × tier × mode × charge
--   × context_tier × team × application × attribution_rule
-- column usage_date: UTC day of the usage
-- column account_id: 12-digit AWS account
-- column region: source Region the calls were made to
-- column base_model: foundation model id; the logged model id when unresolved
-- column routing: in_region | geo | global | unknown
-- column tier: standard | priority | flex
-- column mode: on_demand | batch | provisioned | custom_import
-- column charge: the charge (token class), see usage_hourly
-- column context_tier: standard | long
-- column team: attributed team
-- column application: attributed application
-- column attribution_rule: the rule that decided team and application
-- column quantity: BIGINT quantity in `unit`
-- column unit: token | image
-- column requests: requests with a non-zero quantity of this charge (do not sum across charges)
-- column requests_counted: each request counted once; sum over any grouping = distinct requests
-- column unit_price_usd: DECIMAL(38,12) list price per price_unit; NULL when unpriced
-- column price_unit: unit the price is quoted in (token, 1K tokens, 1M tokens, image)
-- column list_cost_usd: DECIMAL(38,12) quantity × price before negotiated discounts; NULL when unpriced
-- column discount_usd: DECIMAL(38,12) negotiated discount; 0 when none applies; NULL when unpriced
-- column cost_usd: DECIMAL(38,12) list_cost_usd − discount_usd; NULL when unpriced (never 0)
-- column price_id: the prices row used; NULL when unpriced
-- column discount_id: the discounts row applied; NULL when none
-- column priced: false = no price for this usage (a finding)
-- column unpriced_reason: unknown_model | no_price; NULL when priced
-- column run_id: run that rated the row
CREATE OR REPLACE VIEW spend AS
SELECT
    usage_date, account_id, region, base_model, routing, tier, mode, charge, context_tier, team,
    application, attribution_rule, quantity, unit, requests, requests_counted, unit_price_usd,
    price_unit, list_cost_usd, discount_usd, cost_usd, price_id, discount_id, priced,
    unpriced_reason, run_id
FROM rated_usage;
