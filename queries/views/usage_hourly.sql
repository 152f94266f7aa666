-- name: usage_hourly
-- purpose: Billable usage per hour and key, one row per charge (token class), before any price.
--   Built by the aggregation stage from `invocations` and from the hourly facts of the Spark job
--   (`ingest facts`, which win for the hour x account x Region cells they cover); re-running a
--   window replaces its hours.
--   input_tokens is uncached input; cache reads and 5-minute / 1-hour cache writes are charges of
--   their own. A request above its model's long-context threshold has all its token charges in
--   context_tier 'long'.
-- grain: hour × account_id × region × base_model × routing × tier × mode × charge × context_tier
--   × team × application × attribution_rule
-- column hour: UTC hour the requests started in (TIMESTAMP, truncated to the hour)
-- column account_id: 12-digit AWS account
-- column region: source Region the calls were made to (sets the price)
-- column base_model: foundation model id as AWS spells it; the logged model id when unresolved
-- column model_resolved: false when the logged model id could not be resolved to a base model
-- column routing: in_region | geo | global; unknown when the model is unresolved
-- column tier: service tier: standard | priority | flex (not logged = standard)
-- column mode: on_demand | batch | provisioned | custom_import
-- column charge: input_tokens | output_tokens | cache_read_input_tokens |
--   cache_write_input_tokens (5-minute writes) | cache_write_1h_input_tokens | images
-- column context_tier: standard | long (request input above the model's long-context threshold)
-- column team: attributed team ('unattributed' when no rule matched)
-- column application: attributed application ('unattributed' when no rule matched)
-- column attribution_rule: the rule that decided team and application
-- column quantity: BIGINT quantity in `unit` (tokens or images); never 0
-- column unit: token | image
-- column requests: requests with a non-zero quantity of this charge (do not sum across charges)
-- column requests_counted: each request counted once, on its first charge; sum over any grouping
--   = distinct requests with usage
-- column run_id: run that wrote the row
CREATE OR REPLACE VIEW usage_hourly AS
SELECT
    hour, account_id, region, base_model, model_resolved, routing, tier, mode, charge,
    context_tier, team, application, attribution_rule, quantity, unit, requests,
    requests_counted, run_id
FROM usage_hourly_facts;
