-- name: invoice_periods
-- purpose: The billing periods the staged group holds (good rows of temp table invoice_typed):
--   each is replaced as a whole for the group's source family.
-- grain: one row per billing period
SELECT DISTINCT billing_period FROM invoice_typed WHERE bad IS NULL
