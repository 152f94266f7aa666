-- name: 0004_invoice_line_details
-- purpose: what the invoice ingest records beyond 0001: where a line's unit came from and whether
--   the billed rate agrees with it, the FOCUS charge category of every line, the usage-type kind
--   and endpoint, and the source family (export) a billing period is replaced within.
ALTER TABLE invoice_line_items ADD COLUMN charge_category VARCHAR;  -- Usage | Credit | Tax | Purchase | Adjustment
ALTER TABLE invoice_line_items ADD COLUMN usage_kind VARCHAR;       -- token | image | guardrail | provisioned | storage | training | other
ALTER TABLE invoice_line_items ADD COLUMN endpoint VARCHAR;         -- runtime | mantle
ALTER TABLE invoice_line_items ADD COLUMN unit_source VARCHAR;      -- pricing_unit | usage_type_default
ALTER TABLE invoice_line_items ADD COLUMN IF NOT EXISTS unit_check VARCHAR;     -- ok | x1000_off | unknown
ALTER TABLE invoice_line_items ADD COLUMN source_family VARCHAR;    -- the export (or file) a period is replaced within
