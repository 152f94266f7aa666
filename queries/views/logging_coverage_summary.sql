-- name: logging_coverage_summary
-- purpose: Logging coverage per account, Region and model over everything pulled: how many
--   metric tokens the logs account for, and in how many hours the logs were missing entirely.
--   Tiers are added together first (logs rarely say the tier, metrics always do), so a priority
--   series logged as standard does not show as a gap here.
-- grain: one row per (account_id, region, model_id)
-- column account_id: AWS account
-- column region: Region the calls were made to
-- column model_id: model id as the caller named it, ARN prefix removed (see logging_coverage)
-- column first_hour: first UTC hour with metrics or logs
-- column last_hour: last UTC hour with metrics or logs
-- column metric_hours: hours in which the metrics show tokens
-- column missing_hours: hours in which the metrics show tokens (or images) and the logs nothing
-- column metric_tokens: metric tokens (input, output, cache read, cache write) over all hours
-- column logged_tokens: logged tokens over the same hours
-- column unlogged_tokens: metric_tokens − logged_tokens where positive per hour, summed
-- column metric_invocations: CloudWatch Invocations over all hours (includes failed requests)
-- column logged_requests: logged requests over all hours
-- column coverage_pct: 100 × logged_tokens / metric_tokens, DECIMAL rounded half-up to 4 places;
--   NULL when the metrics show no tokens
CREATE OR REPLACE VIEW logging_coverage_summary AS
WITH per_hour AS (
    SELECT
        hour,
        account_id,
        region,
        model_id,
        sum(coalesce(metric_tokens, 0)) AS metric_tokens,
        sum(logged_tokens) AS logged_tokens,
        sum(coalesce(metric_invocations, 0)) AS metric_invocations,
        sum(coalesce(metric_output_images, 0)) AS metric_output_images,
        sum(logged_requests) AS logged_requests
    FROM logging_coverage
    GROUP BY ALL
),
per_model AS (
    SELECT
        account_id,
        region,
        model_id,
        min(hour) AS first_hour,
        max(hour) AS last_hour,
        count(*) FILTER (WHERE metric_tokens > 0) AS metric_hours,
        count(*) FILTER (
            WHERE (metric_tokens > 0 AND logged_tokens = 0)
               OR (metric_output_images > 0 AND logged_requests = 0)
        ) AS missing_hours,
        CAST(sum(metric_tokens) AS BIGINT) AS metric_tokens,
        CAST(sum(logged_tokens) AS BIGINT) AS logged_tokens,
        CAST(sum(greatest(metric_tokens - logged_tokens, 0)) AS BIGINT) AS unlogged_tokens,
        CAST(sum(metric_invocations) AS BIGINT) AS metric_invocations,
        CAST(sum(logged_requests) AS BIGINT) AS logged_requests
    FROM per_hour
    GROUP BY ALL
)
SELECT
    account_id,
    region,
    model_id,
    first_hour,
    last_hour,
    metric_hours,
    missing_hours,
    metric_tokens,
    logged_tokens,
    unlogged_tokens,
    metric_invocations,
    logged_requests,
    CASE
        WHEN metric_tokens > 0 THEN CAST(
            CAST(
                (2 * CAST(logged_tokens AS HUGEINT) * 1000000 + metric_tokens)
                // (2 * CAST(metric_tokens AS HUGEINT))
                AS DECIMAL(38, 4)
            ) * 0.0001 AS DECIMAL(18, 4)
        )
    END AS coverage_pct
FROM per_model;
