-- name: 0015_invoice_guards
-- purpose: invoice guards (docs/invoices.md): the currency every line was billed in and the rate
--   that converted it to USD, a line-item identity that finds duplicate and copied lines, when a
--   delivery was written, and which source is used when several hold one billing period and account
--   (superseded_by NULL = the line is used; else the source family used instead). Lines loaded
--   before this migration keep NULL currency (they were taken as USD) and are all used until the
--   next invoice ingest recomputes the precedence.
ALTER TABLE invoice_line_items ADD COLUMN currency VARCHAR;                -- ISO 4217 code of the bill (amounts are USD)
ALTER TABLE invoice_line_items ADD COLUMN currency_rate DECIMAL(38, 12);   -- USD per unit of currency applied (1 for USD)
ALTER TABLE invoice_line_items ADD COLUMN line_item_key VARCHAR;           -- line item id + interval, else a hash of the line
ALTER TABLE invoice_line_items ADD COLUMN delivered_at TIMESTAMP;          -- newest S3 LastModified / file mtime of the delivery
ALTER TABLE invoice_line_items ADD COLUMN superseded_by VARCHAR;           -- NULL = used; else the source family used instead
