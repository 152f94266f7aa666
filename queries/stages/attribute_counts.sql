-- name: stages/attribute_counts
-- purpose: How many requests of the window each rule decided (`_attribution_new`), for the
--   attribute stage's StageResult.
-- grain: one row per rule
SELECT rule, count(*) AS requests FROM _attribution_new GROUP BY rule ORDER BY rule
