-- name: export/focus_allocated
-- purpose: The allocated invoiced cost (allocated_spend, whole cents that sum to the invoice) of
--   the export window, one row per day x account x team x application x model x charge, with the
--   logged quantity of the same key from spend (ConsumedQuantity; NULL when nothing was logged,
--   e.g. credits or idle capacity, or when the key has more than one unit, which never happens
--   for one charge, rather than adding tokens to images), in a stable order so that the same
--   database always exports the same bytes.
-- grain: usage_date x account_id x team x application x base_model x charge
WITH quantities AS (
    SELECT usage_date, account_id, team, application, base_model, charge,
           CAST(sum(quantity) AS BIGINT) AS quantity,
           CASE WHEN count(DISTINCT unit) = 1 THEN min(unit) END AS unit
    FROM spend
    WHERE usage_date BETWEEN $start AND $end
    GROUP BY usage_date, account_id, team, application, base_model, charge
)
SELECT a.usage_date, a.account_id, a.team, a.application, a.base_model, a.charge,
       CAST(a.allocated_usd AS DECIMAL(38, 12)) AS allocated_usd, a.lines, a.basis,
       q.quantity, q.unit
FROM allocated_spend AS a
LEFT JOIN quantities AS q
    ON q.usage_date = a.usage_date
   AND q.account_id IS NOT DISTINCT FROM a.account_id
   AND q.team IS NOT DISTINCT FROM a.team
   AND q.application IS NOT DISTINCT FROM a.application
   AND q.base_model IS NOT DISTINCT FROM a.base_model
   AND q.charge IS NOT DISTINCT FROM a.charge
WHERE a.usage_date BETWEEN $start AND $end
ORDER BY a.usage_date, a.account_id NULLS LAST, a.team, a.application, a.base_model NULLS LAST,
         a.charge, a.lines, a.basis;
