-- name: 0014_invoice_model_match
-- purpose: what an invoice line says about its own model and how its model was found: the CUR
--   2.0 product['model'] display name (FOCUS SkuPriceDetails 'model' when present), and the
--   result of matching a name no table knows against the model ids logged the same account,
--   Region and day (reconciler.ingest.invoice_models): how it matched, or the ambiguous/missing
--   finding with every candidate.
ALTER TABLE invoice_line_items ADD COLUMN model_display_name VARCHAR;
ALTER TABLE invoice_line_items ADD COLUMN model_match VARCHAR;
