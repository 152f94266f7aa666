-- name: report/team_daily
-- purpose: Rated spend per team and day for the HTML report's spend chart. Unpriced usage is not
--   summed as $0: cost_usd sums priced rows only (NULL when none is priced) and unpriced_rows
--   counts the rest, so the report can say how much it could not price.
-- grain: usage_date x team
SELECT team,
       usage_date,
       CAST(sum(cost_usd) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd,
       count(*) FILTER (WHERE NOT priced) AS unpriced_rows
FROM spend
WHERE usage_date BETWEEN $start AND $end
GROUP BY team, usage_date
ORDER BY usage_date, team;
