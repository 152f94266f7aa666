-- name: logging_coverage
-- purpose: Did the invocation logs see every request? CloudWatch AWS/Bedrock token metrics
--   (`ingest metrics`) against the tokens in the loaded invocation logs, per hour and model.
--   Only hours inside a pulled metrics window (bedrock_metrics_windows) for the same account and
--   Region are compared. The metric's ModelId is the id the caller used; the log's modelId may be
--   the resolved ARN, so both sides are keyed by the id with any foundation-model or
--   system inference-profile ARN prefix removed. Application inference profiles are compared by
--   the full ARN: which string CloudWatch uses for their series is UNCONFIRMED (docs/coverage.md).
--   Logs rarely say the service tier, so logged rows count as `standard` unless the body told.
-- grain: one row per (hour, account_id, region, model_id, tier) present in metrics or logs
-- column hour: UTC start of the hour
-- column account_id: AWS account (metrics: STS caller of `ingest metrics`; logs: accountId)
-- column region: Region the calls were made to
-- column model_id: model id as the caller named it, ARN prefix removed (AIP: the full ARN)
-- column tier: standard | priority | flex (metrics: the ModelId +suffix; logs: body serviceTier)
-- column metric_input_tokens: CloudWatch InputTokenCount Sum; NULL when no metric series
-- column metric_output_tokens: CloudWatch OutputTokenCount Sum
-- column metric_cache_read_input_tokens: CloudWatch CacheReadInputTokenCount Sum
-- column metric_cache_write_input_tokens: CloudWatch CacheWriteInputTokenCount Sum
-- column metric_tokens: the four metric token counts added
-- column metric_invocations: CloudWatch Invocations Sum (includes failed requests)
-- column metric_output_images: CloudWatch OutputImageCount Sum
-- column logged_input_tokens: inputTokenCount summed over the logged requests
-- column logged_output_tokens: outputTokenCount summed
-- column logged_cache_read_input_tokens: cacheReadInputTokenCount summed
-- column logged_cache_write_input_tokens: cacheWriteInputTokenCount summed
-- column logged_tokens: the four logged token counts added (0 when nothing was logged)
-- column logged_requests: logged requests (0 when nothing was logged)
-- column coverage_pct: 100 × logged_tokens / metric_tokens, DECIMAL rounded half-up to 4
--   places; NULL when the metrics show no tokens
-- column missing: true when metrics show tokens (or images) but the logs have none
-- column status: missing | partial (logged < metric) | complete (equal) | over (logged > metric)
--   | no_metric (logged, but no metric series for this model and tier)
CREATE OR REPLACE VIEW logging_coverage AS
WITH metric AS (
    SELECT
        hour,
        account_id,
        region,
        regexp_replace(
            model_id,
            '^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]*:(foundation-model|inference-profile)/',
            ''
        ) AS model_id,
        tier,
        sum(value) FILTER (WHERE metric = 'InputTokenCount') AS metric_input_tokens,
        sum(value) FILTER (WHERE metric = 'OutputTokenCount') AS metric_output_tokens,
        sum(value) FILTER (WHERE metric = 'CacheReadInputTokenCount')
            AS metric_cache_read_input_tokens,
        sum(value) FILTER (WHERE metric = 'CacheWriteInputTokenCount')
            AS metric_cache_write_input_tokens,
        sum(value) FILTER (WHERE metric = 'Invocations') AS metric_invocations,
        sum(value) FILTER (WHERE metric = 'OutputImageCount') AS metric_output_images
    FROM bedrock_metrics_hourly
    GROUP BY ALL
),
pulled AS (
    SELECT DISTINCT account_id, region, window_start, window_end
    FROM bedrock_metrics_windows
),
logged AS (
    SELECT
        date_trunc('hour', r.event_time) AS hour,
        r.account_id,
        r.region,
        regexp_replace(
            r.model_id,
            '^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]*:(foundation-model|inference-profile)/',
            ''
        ) AS model_id,
        CASE lower(coalesce(r.service_tier, 'standard'))
            WHEN 'default' THEN 'standard'
            ELSE lower(coalesce(r.service_tier, 'standard'))
        END AS tier,
        sum(r.input_tokens) AS logged_input_tokens,
        sum(r.output_tokens) AS logged_output_tokens,
        sum(r.cache_read_input_tokens) AS logged_cache_read_input_tokens,
        sum(r.cache_write_input_tokens) AS logged_cache_write_input_tokens,
        count(*) AS logged_requests
    FROM invocation_records AS r
    -- the pulled windows' overall range first: a cheap column filter that spares the per-window
    -- check below for the records outside every window (all of them when nothing was pulled)
    WHERE r.event_time >= (SELECT min(window_start) FROM pulled)
      AND r.event_time < (SELECT max(window_end) FROM pulled)
      AND EXISTS (
        SELECT 1
        FROM pulled AS p
        WHERE p.account_id = r.account_id
          AND p.region = r.region
          AND r.event_time >= p.window_start
          AND r.event_time < p.window_end
    )
    GROUP BY ALL
),
joined AS (
    SELECT
        hour,
        account_id,
        region,
        model_id,
        tier,
        m.hour IS NOT NULL AS has_metric,
        CAST(m.metric_input_tokens AS BIGINT) AS metric_input_tokens,
        CAST(m.metric_output_tokens AS BIGINT) AS metric_output_tokens,
        CAST(m.metric_cache_read_input_tokens AS BIGINT) AS metric_cache_read_input_tokens,
        CAST(m.metric_cache_write_input_tokens AS BIGINT) AS metric_cache_write_input_tokens,
        CASE WHEN m.hour IS NOT NULL THEN CAST(
            coalesce(m.metric_input_tokens, 0) + coalesce(m.metric_output_tokens, 0)
            + coalesce(m.metric_cache_read_input_tokens, 0)
            + coalesce(m.metric_cache_write_input_tokens, 0)
            AS BIGINT
        ) END AS metric_tokens,
        CAST(m.metric_invocations AS BIGINT) AS metric_invocations,
        CAST(m.metric_output_images AS BIGINT) AS metric_output_images,
        CAST(coalesce(l.logged_input_tokens, 0) AS BIGINT) AS logged_input_tokens,
        CAST(coalesce(l.logged_output_tokens, 0) AS BIGINT) AS logged_output_tokens,
        CAST(coalesce(l.logged_cache_read_input_tokens, 0) AS BIGINT)
            AS logged_cache_read_input_tokens,
        CAST(coalesce(l.logged_cache_write_input_tokens, 0) AS BIGINT)
            AS logged_cache_write_input_tokens,
        CAST(
            coalesce(l.logged_input_tokens, 0) + coalesce(l.logged_output_tokens, 0)
            + coalesce(l.logged_cache_read_input_tokens, 0)
            + coalesce(l.logged_cache_write_input_tokens, 0)
            AS BIGINT
        ) AS logged_tokens,
        CAST(coalesce(l.logged_requests, 0) AS BIGINT) AS logged_requests
    FROM metric AS m
    FULL OUTER JOIN logged AS l USING (hour, account_id, region, model_id, tier)
),
measured AS (
    -- mt: the metric tokens, 0 without a metric row; lt: the logged tokens
    SELECT *, coalesce(metric_tokens, 0) AS mt, logged_tokens AS lt
    FROM joined
)
SELECT
    * EXCLUDE (has_metric, mt, lt, is_missing),
    CASE
        WHEN mt > 0 THEN CAST(
            CAST((2 * CAST(lt AS HUGEINT) * 1000000 + mt) // (2 * CAST(mt AS HUGEINT))
                 AS DECIMAL(38, 4)) * 0.0001
            AS DECIMAL(18, 4)
        )
    END AS coverage_pct,
    is_missing AS missing,
    CASE
        WHEN is_missing THEN 'missing'
        WHEN NOT has_metric THEN 'no_metric'
        WHEN lt < mt THEN 'partial'
        WHEN lt > mt THEN 'over'
        ELSE 'complete'
    END AS status
FROM (
    SELECT
        *,
        (mt > 0 AND lt = 0)
        OR (coalesce(metric_output_images, 0) > 0 AND logged_requests = 0) AS is_missing
    FROM measured
);
