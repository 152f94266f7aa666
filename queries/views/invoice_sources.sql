-- name: invoice_sources
-- purpose: Which invoice source is used for each billing period and usage account, and which are
--   superseded (never summed): one row per source family (a Data Exports export, a loose file, or
--   Cost Explorer) x billing period x account. Precedence: cur2 > focus_1_2 > focus_1_0 >
--   cur_legacy > cost_explorer; among copies of one format (they share line items) the latest
--   delivery. See docs/invoices.md.
-- grain: billing_period x account_id x source_family
-- column billing_period: first day of the billing month
-- column account_id: 12-digit usage account
-- column source_family: the export prefix (<prefix>/<export>), the file, or cost_explorer
-- column source_format: cur2 | cur_legacy | focus_1_0 | focus_1_2 | cost_explorer
-- column used: true when these lines are the invoice of the period and account
-- column superseded_by: the source family used instead; NULL when used
-- column lines: invoice lines of the family for the period and account
-- column net_cost_usd: their net cost (the amount NOT counted when superseded)
-- column currency: billing currency of the lines (several: comma-separated)
-- column delivered_at: newest S3 LastModified / file mtime of the delivery
-- column run_id: run that loaded the lines (the latest when several)
CREATE OR REPLACE VIEW invoice_sources AS
SELECT
    billing_period, account_id,
    coalesce(source_family, source_uri, source_format) AS source_family,
    min(source_format) AS source_format,
    bool_and(superseded_by IS NULL) AS used,
    min(superseded_by) AS superseded_by,
    count(*) AS lines,
    CAST(sum(net_cost_usd) AS DECIMAL(38, 12)) AS net_cost_usd,
    string_agg(DISTINCT currency, ',' ORDER BY currency) AS currency,
    max(delivered_at) AS delivered_at,
    max(run_id) AS run_id
FROM invoice_line_items
GROUP BY billing_period, account_id, coalesce(source_family, source_uri, source_format);
