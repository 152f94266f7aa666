-- name: export/focus_billing_accounts
-- purpose: The accounts on the invoice lines of the export window: when there is exactly one,
--   it is the FOCUS BillingAccountId unless the user names another.
-- grain: account_id
SELECT DISTINCT account_id
FROM invoice_line_items
WHERE CAST(usage_start AS DATE) BETWEEN $start AND $end
ORDER BY account_id;
