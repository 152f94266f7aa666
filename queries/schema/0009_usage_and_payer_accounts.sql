-- name: 0009_usage_and_payer_accounts
-- purpose: the usage account on allocated spend (an untied credit, tax or fee of account A is
--   allocated to account A's teams only; the FOCUS export's SubAccountId), and the payer account
--   on invoice lines (CUR bill_payer_account_id, FOCUS BillingAccountId: the FOCUS export's
--   BillingAccountId). Rows written before this migration keep NULL until re-allocated /
--   re-ingested.

-- The usage account whose invoiced cost this share is (reconciliation_rows.account_id).
ALTER TABLE allocated_spend_rows ADD COLUMN account_id VARCHAR;

-- The payer (management) account that receives the invoice; NULL when the source does not say
-- (a legacy CUR without bill/PayerAccountId, Cost Explorer when the payer could not be looked up).
ALTER TABLE invoice_line_items ADD COLUMN payer_account_id VARCHAR;
