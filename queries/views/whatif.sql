-- name: whatif
-- purpose: The window's logged usage re-rated under each way of buying Bedrock (docs/whatif.md),
--   as last computed by `reconciler whatif` or the nightly `run` for that window: filter on
--   window_start and window_end (a re-computation replaces the window's rows). Each scenario
--   re-rates every spend row of the window once (tier also re-prices it at a second target, and
--   provisioned at the 1- and 6-month commitment terms, in rows of direction alternative), so per
--   window and scenario sum(current_cost_usd) over the rows with direction <> 'alternative'
--   equals the `spend` total. savings_usd = current_cost_usd - whatif_cost_usd (positive = the
--   scenario is cheaper). A row that cannot be priced (no price for the target, no capacity
--   assumption, or usage that is unpriced today) has priced = false and NULL what-if cost and
--   savings: leave it out of totals, never count it as $0.
-- grain: window × scenario × direction × team × application × base_model × region × from × to
--   × unpriced_reason
-- column window_start: first UTC day of the window the what-if was computed for
-- column window_end: last UTC day of that window (inclusive)
-- column scenario: routing_global | batch | tier | caching | provisioned | model_switch
-- column direction: opportunity (the scenario's move) | candidate (a move that depends on what the
--   logs cannot tell: can it wait for batch, do prompts repeat, steady enough for provisioned) |
--   reverse (the opposite move: what the current choice is worth) | alternative (a second target
--   for usage another row already re-prices: tier's remaining tier, provisioned's 1- and 6-month
--   commitment terms; not in the current total) |
--   unchanged (not affected)
-- column team: attributed team ('*' for provisioned: per account, model and Region; from names
--   the account)
-- column application: attributed application ('*' for provisioned)
-- column base_model: foundation model id of the logged usage
-- column region: source Region of the calls
-- column from: what the usage is today (routing, mode, tier, model, 'prompt caching' ...)
-- column to: what the scenario changes it to
-- column quantity: BIGINT tokens (or images) the row covers
-- column unit: token | image
-- column current_cost_usd: DECIMAL(38,12) the spend view's cost of that usage; NULL when unpriced today
-- column whatif_cost_usd: DECIMAL(38,12) the same usage re-rated under the scenario; NULL when unpriced
-- column savings_usd: DECIMAL(38,12) current_cost_usd - whatif_cost_usd; NULL when either is NULL
-- column priced: false = the row could not be priced (see unpriced_reason); not in any total
-- column unpriced_reason: no_target_price | no_capacity_assumption | current_unpriced; NULL when priced
-- column assumption: what the what-if assumes, in words
-- column detail: the figures behind a caching or provisioned row (cache reads saved, write
--   premiums; busiest hour, model units, utilisation and break-even)
-- column rank: candidates ranked per scenario by their application's current cost (1 = largest)
-- column command: the command that recomputes this scenario with the same assumptions
-- column run_id: run that computed the rows
-- column computed_at: UTC time they were computed
CREATE OR REPLACE VIEW whatif AS
SELECT
    window_start, window_end, scenario, direction, team, application, base_model, region,
    "from", "to", quantity, unit, current_cost_usd, whatif_cost_usd, savings_usd, priced,
    unpriced_reason, assumption, detail, rank, command, run_id, computed_at
FROM whatif_rows;
