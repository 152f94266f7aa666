-- name: report/chargeback_invoiced
-- purpose: The invoiced total of each billing period from $start to $end (the bill bridge's
--   end step), which the chargeback rows of the period must sum to, rounded half-up to the cent.
-- grain: billing_period
SELECT billing_period, amount_usd AS invoiced_usd
FROM bill_bridge
WHERE kind = 'end' AND billing_period BETWEEN $start AND $end
ORDER BY billing_period;
