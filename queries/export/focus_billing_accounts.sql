-- name: export/focus_billing_accounts
-- purpose: The usage accounts on the invoice lines of the export window and the payer account
--   each line names (CUR bill_payer_account_id, FOCUS BillingAccountId; NULL when the source
--   does not say): the FOCUS BillingAccountId of an allocated row is its usage account's payer.
--   Parameters: $start, $end (inclusive DATEs).
-- grain: account_id x payer_account_id
SELECT DISTINCT account_id, payer_account_id
FROM invoice_line_items
WHERE CAST(usage_start AS DATE) BETWEEN $start AND $end
    AND superseded_by IS NULL  -- only the source used (stages/invoice_precedence)
ORDER BY account_id, payer_account_id NULLS LAST;
