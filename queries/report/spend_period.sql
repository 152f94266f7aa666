-- name: report/spend_period
-- purpose: The default end of a spend report: the newest usage date in `spend` before $today
--   (the last full UTC day), and the newest usage date at all (a partial day, when nothing older).
-- grain: one row
SELECT max(usage_date) FILTER (WHERE usage_date < $today) AS last_full_day,
       max(usage_date) AS newest_day
FROM spend
