-- name: export/focus_quantities
-- purpose: Logged quantity per day x account x team x application x model x charge (from
--   spend), the ConsumedQuantity of the matching allocated rows. A key with more than one unit
--   (never for one charge) reports NULL rather than adding tokens to images.
-- grain: usage_date x account_id x team x application x base_model x charge
SELECT usage_date, account_id, team, application, base_model, charge,
       CAST(sum(quantity) AS BIGINT) AS quantity,
       CASE WHEN count(DISTINCT unit) = 1 THEN min(unit) END AS unit
FROM spend
WHERE usage_date BETWEEN $start AND $end
GROUP BY usage_date, account_id, team, application, base_model, charge;
