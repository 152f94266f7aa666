-- name: allocated_spend
-- purpose: The invoiced cost split to teams and applications: each reconciliation bucket's
--   invoiced cost in proportion to the teams' rated cost (tokens where unrated), non-token charges
--   by the configured allocation policy, idle provisioned capacity as its own line, unlogged usage
--   to `unattributed`; credits, taxes and fees that name no model to the teams of the same
--   account. Rounded to the cent by largest remainder per billing period, so a period's rows sum
--   to its invoiced total to the cent (docs/reconciliation.md). The `*_usd` part columns split
--   `allocated_usd` by what it is made of and add up to it exactly (the chargeback report,
--   docs/report.md, shows them).
-- grain: usage_date x account_id x team x application x base_model x charge
-- column usage_date: UTC day of the usage
-- column account_id: usage account whose invoiced cost this is (NULL for rows allocated before
--   migration 0008 until the period is allocated again)
-- column team: team the cost is allocated to (idle, unattributed or the owner team where the
--   policy says so)
-- column application: application within the team (shared for even/owner policies)
-- column base_model: foundation model id; NULL for untied credits, taxes and unmapped usage types
-- column charge: CONTRACT charge vocabulary; other for untied credits, taxes and fees
-- column lines: what the amount is made of: usage, unlogged, unmapped, non_token, idle, credit,
--   tax_or_fee (comma-separated when several)
-- column basis: how it was split: rated_cost, tokens, even, owner, unattributed, idle
-- column allocated_usd: allocated invoiced cost, whole cents
-- column exact_usd: the unrounded proportional share the cents were rounded from
-- column billing_period: first day of the usage month (the invoice the amount ties to)
-- column usage_usd: part of allocated_usd for logged usage (net of discounts tied to it)
-- column non_token_usd: part for non-token charges split by the allocation policy (busy
--   provisioned hours, Custom Model Import minutes, guardrails, storage ...)
-- column idle_usd: part for provisioned model-unit hours with no provisioned traffic logged
-- column credit_usd: part for credits and discounts that name no model (split by the account's
--   rated cost), and credits for usage nobody logged
-- column tax_or_fee_usd: part for taxes and fees (split like credits)
-- column unattributed_usd: part for billed usage nobody logged or no model maps to (lines
--   unlogged and unmapped; always team unattributed)
CREATE OR REPLACE VIEW allocated_spend AS
SELECT
    usage_date, account_id, team, application, base_model, charge,
    string_agg(DISTINCT line, ',' ORDER BY line) AS lines,
    string_agg(DISTINCT basis, ',' ORDER BY basis) AS basis,
    CAST(sum(allocated_usd) AS DECIMAL(38, 12)) AS allocated_usd,
    CAST(sum(exact_usd) AS DECIMAL(38, 12)) AS exact_usd,
    CAST(date_trunc('month', usage_date) AS DATE) AS billing_period,
    CAST(coalesce(sum(allocated_usd) FILTER (WHERE line = 'usage'), 0) AS DECIMAL(38, 12))
        AS usage_usd,
    CAST(coalesce(sum(allocated_usd) FILTER (WHERE line = 'non_token'), 0) AS DECIMAL(38, 12))
        AS non_token_usd,
    CAST(coalesce(sum(allocated_usd) FILTER (WHERE line = 'idle'), 0) AS DECIMAL(38, 12))
        AS idle_usd,
    CAST(coalesce(sum(allocated_usd) FILTER (WHERE line = 'credit'), 0) AS DECIMAL(38, 12))
        AS credit_usd,
    CAST(coalesce(sum(allocated_usd) FILTER (WHERE line = 'tax_or_fee'), 0) AS DECIMAL(38, 12))
        AS tax_or_fee_usd,
    CAST(
        coalesce(sum(allocated_usd) FILTER (WHERE line IN ('unlogged', 'unmapped')), 0)
        AS DECIMAL(38, 12)
    ) AS unattributed_usd
FROM allocated_spend_rows
GROUP BY usage_date, account_id, team, application, base_model, charge;
