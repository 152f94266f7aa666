-- name: check_regions
-- purpose: The Regions the price book names (besides the wildcard): where a public source's
--   global prices are compared.
-- grain: one row per Region
SELECT DISTINCT region FROM prices WHERE region <> '*'
