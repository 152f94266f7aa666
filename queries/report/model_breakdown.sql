-- name: report/model_breakdown
-- purpose: Rated quantity and spend per model and charge over the report period. cost_usd sums
--   priced rows only (NULL when none is priced); unpriced_rows counts the rows without a price.
-- grain: base_model x charge x unit
SELECT base_model,
       charge,
       unit,
       CAST(sum(quantity) AS BIGINT) AS quantity,
       CAST(sum(cost_usd) FILTER (WHERE priced) AS DECIMAL(38, 12)) AS cost_usd,
       count(*) FILTER (WHERE NOT priced) AS unpriced_rows
FROM spend
WHERE usage_date BETWEEN $start AND $end
GROUP BY base_model, charge, unit
ORDER BY base_model, charge, unit;
