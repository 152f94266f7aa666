-- name: invoice_currency_rates
-- purpose: The temp table of USD per unit of each accepted currency (USD = 1 and the configured
--   [invoices] currency_rates, view new_rows); invoice_insert converts amounts by it.
-- grain: one row per currency
CREATE OR REPLACE TEMP TABLE invoice_currency_rates AS
SELECT CAST(currency AS VARCHAR) AS currency, CAST(rate AS DECIMAL(14, 11)) AS rate FROM new_rows
