-- name: 0011_billing_name_map
-- purpose: billing names, Marketplace product names and whole usage types learned from outside
--   the bundled table (the AWS Price List import: each SKU's usagetype and model display name),
--   with their provenance. The invoice ingest and Cost Explorer ingest read these rows on top of
--   reconciler/data/billing_names.csv (and under the user's [invoices] billing_names file, which
--   wins): see reconciler.core.usage_types.BillingNames.extended and docs/invoices.md.
CREATE TABLE IF NOT EXISTS billing_name_map (
    name_type VARCHAR NOT NULL,   -- billing_name | product_name | usage_type
    name VARCHAR NOT NULL,        -- Llama3-3-70B | Claude Sonnet 4.5 (Amazon Bedrock Edition) | USE1-...
    base_model VARCHAR NOT NULL,  -- the model id as AWS spells it (no profile prefix)
    charge VARCHAR,               -- optional CONTRACT charge (e.g. images); NULL: from the grammar
    source VARCHAR NOT NULL,      -- provenance, e.g. 'AWS Price List AmazonBedrock SKU KMZF... 2026-07-01'
    learned_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    run_id VARCHAR,
    PRIMARY KEY (name_type, name)
);
