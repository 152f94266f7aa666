-- name: 0003_reconciliation_tables
-- purpose: the reconciliation and allocation stages' output tables, and the invoice unit check
--   column that the invoice stage also adds (IF NOT EXISTS keeps both migrations compatible).

ALTER TABLE invoice_line_items ADD COLUMN IF NOT EXISTS unit_check VARCHAR;  -- ok | x1000_off | unknown

-- One row per reconciliation bucket (the `reconciliation` view). Written by reconciler.stages.reconcile,
-- delete-then-insert per window of usage dates. delta_usd = invoiced_cost_usd - coalesce(rated, 0),
-- exactly, so the bill bridge sums without residual.
CREATE TABLE IF NOT EXISTS reconciliation_rows (
    usage_date         DATE NOT NULL,
    account_id         VARCHAR,
    region             VARCHAR,
    base_model         VARCHAR,            -- NULL for unmapped usage types and untied credits
    routing            VARCHAR,            -- regional | global | unknown | NULL (non-model charges)
    tier               VARCHAR,
    mode               VARCHAR,
    charge             VARCHAR,
    usage_type         VARCHAR,            -- only on unmapped_usage_type rows
    line_item_type     VARCHAR,            -- only on rows of untied credits, taxes and fees
    logged_quantity    BIGINT NOT NULL,
    invoiced_quantity  DECIMAL(38, 12) NOT NULL,
    rated_cost_usd     DECIMAL(38, 12),    -- NULL: logged but no price at all (never a silent 0)
    rated_list_usd     DECIMAL(38, 12),
    invoiced_cost_usd  DECIMAL(38, 12) NOT NULL,   -- sum of net_cost_usd of the bucket's lines
    invoiced_gross_usd DECIMAL(38, 12) NOT NULL,   -- sum of unblended_cost_usd of its usage lines
    delta_usd          DECIMAL(38, 12) NOT NULL,
    tolerance_usd      DECIMAL(38, 12) NOT NULL,
    status             VARCHAR NOT NULL,   -- matched | gap
    cause              VARCHAR,            -- NULL only when delta_usd = 0 on a two-sided bucket
    explanation        VARCHAR NOT NULL,
    run_id             VARCHAR NOT NULL
);

-- Invoiced cost split to teams and applications (the `allocated_spend` view, which sums this
-- table to the contract grain). allocated_usd is whole cents, largest-remainder rounded per
-- billing period so a period's rows sum to its invoiced total rounded to the cent.
CREATE TABLE IF NOT EXISTS allocated_spend_rows (
    billing_period  DATE NOT NULL,      -- first day of the usage month
    usage_date      DATE NOT NULL,
    team            VARCHAR NOT NULL,
    application     VARCHAR NOT NULL,
    base_model      VARCHAR,
    charge          VARCHAR NOT NULL,
    line            VARCHAR NOT NULL,   -- usage | unlogged | unmapped | non_token | idle | credit | tax_or_fee
    basis           VARCHAR NOT NULL,   -- rated_cost | tokens | even | owner | unattributed | idle
    exact_usd       DECIMAL(38, 12) NOT NULL,  -- the unrounded proportional share
    allocated_usd   DECIMAL(38, 12) NOT NULL,  -- exact_usd rounded to the cent (largest remainder)
    run_id          VARCHAR NOT NULL
);
