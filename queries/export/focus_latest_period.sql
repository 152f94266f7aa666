-- name: export/focus_latest_period
-- purpose: The last usage day with allocated spend (allocated_spend), or NULL when there is none:
--   `export focus` without --start/--end exports the calendar month (billing period) holding it.
-- grain: one row
SELECT max(usage_date) AS last_day
FROM allocated_spend;
