-- name: invoice_currency_missing
-- purpose: Per file, the currencies of its Bedrock lines that have no rate in
--   invoice_currency_rates: such a delivery is refused (non_usd_currency), never loaded as USD.
-- grain: one row per file with an unconvertible currency
SELECT source_uri, list(DISTINCT currency ORDER BY currency), count(*)
FROM invoice_typed
WHERE (strong_bedrock OR marketplace_candidate)
    AND currency NOT IN (SELECT currency FROM invoice_currency_rates)
GROUP BY source_uri
ORDER BY source_uri
