-- name: whatif_stored_rows
-- purpose: The rows the `whatif` view holds for exactly the window $start..$end (the HTML
--   report's Savings section reads them; empty when the window was never computed).
-- grain: one row per stored what-if row of the window
SELECT scenario, direction, team, application, base_model, region, "from", "to", quantity, unit,
       current_cost_usd, whatif_cost_usd, savings_usd, priced, unpriced_reason, assumption,
       coalesce(detail, ''), rank, command
FROM whatif
WHERE window_start = $start AND window_end = $end;
