-- name: metrics_insert
-- purpose: Second half of re-ingesting CloudWatch metrics: insert the hourly Sums of the complete
--   series (registered as `_metric_points`) for one account and Region.
-- grain: one row per hour × model_id × tier × metric
INSERT INTO bedrock_metrics_hourly (hour, account_id, region, model_id, tier, metric, value, run_id)
SELECT p.hour, $account_id, $region, p.model_id, p.tier, p.metric, p.value, $run_id
FROM _metric_points AS p;
