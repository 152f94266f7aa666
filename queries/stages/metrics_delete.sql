-- name: metrics_delete
-- purpose: First half of re-ingesting CloudWatch metrics for one account and Region: delete the
--   window's rows of every series that came back Complete (registered as `_metric_series`).
--   Incomplete series are not in `_metric_series`, so their earlier rows stay.
-- grain: deletes from bedrock_metrics_hourly
DELETE FROM bedrock_metrics_hourly AS h
USING _metric_series AS s
WHERE h.account_id = $account_id
  AND h.region = $region
  AND h.model_id = s.model_id
  AND h.tier = s.tier
  AND h.metric = s.metric
  AND h.hour >= $window_start
  AND h.hour < $window_end;
