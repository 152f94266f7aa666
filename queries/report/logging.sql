-- name: report/logging
-- purpose: Logging coverage (logged vs CloudWatch metric tokens) per account, Region and model
--   whose metric or log hours overlap the report period, worst coverage first.
-- grain: account_id x region x model_id
SELECT account_id, region, model_id,
       CAST(coverage_pct AS DECIMAL(38, 12)) AS coverage_pct,
       CAST(missing_hours AS BIGINT) AS missing_hours
FROM logging_coverage_summary
WHERE last_hour >= CAST($start AS TIMESTAMP)
  AND first_hour < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY
ORDER BY coverage_pct ASC NULLS FIRST, missing_hours DESC, account_id, region, model_id;
