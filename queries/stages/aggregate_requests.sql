-- name: aggregate_requests
-- purpose: The per-request input of the aggregation stage: every deduplicated invocation record
--   in the window [$start, $end + 1 day) with its resolved model (model_ids), its team and
--   application (stored on the record by the attribute stage, schema 0019) and the long-context
--   threshold in force on its date.
--   The per-request rules (charges, cache-write split, long context) follow in
--   aggregate_groups.sql, tier, mode and the unpivot per charge in Polars
--   (reconciler/stages/aggregate.py); this query only joins and fills what is missing:
--   * unresolved model: base_model = the logged model_id, model_resolved = false, routing 'unknown';
--   * not attributed yet (team NULL): the contract default (request_metadata team / app|application),
--     attribution_rule 'fallback:request_metadata', else 'unattributed' (the macros
--     attributed_team / attributed_application / attributed_rule, shared with the invocations view).
--   image_count is NULL: invocation_records has no image count column yet.
-- grain: one row per invocation record (account_id, region, request_id)
WITH thresholds AS (
    -- effective-dated thresholds as [from, to) ranges: an equi-join plus a range test, cheaper
    -- than an ASOF join over every request
    SELECT base_model, threshold_tokens, effective_from,
           lead(effective_from) OVER (PARTITION BY base_model ORDER BY effective_from) AS effective_to
    FROM long_context_thresholds
),
req AS (
    SELECT
        r.account_id, r.region, r.request_id, r.event_time, r.operation,
        coalesce(m.base_model, r.model_id) AS base_model,
        coalesce(m.resolved AND m.base_model IS NOT NULL, false) AS model_resolved,
        CASE WHEN coalesce(m.resolved AND m.base_model IS NOT NULL, false)
             THEN coalesce(m.routing, 'unknown') ELSE 'unknown' END AS routing,
        m.mode AS model_mode,
        r.service_tier,
        -- the attribution fallback macros (schema 0017_vocabulary), shared with the
        -- invocations view
        attributed_team(r.team, r.request_metadata) AS team,
        attributed_application(r.application, r.request_metadata) AS application,
        attributed_rule(r.attribution_rule, r.request_metadata) AS attribution_rule,
        r.input_tokens, r.output_tokens, r.cache_read_input_tokens, r.cache_write_input_tokens,
        r.cache_write_1h_input_tokens,
        CAST(NULL AS BIGINT) AS image_count,
        CAST(r.event_time AS DATE) AS usage_date
    FROM invocation_records AS r
    LEFT JOIN model_ids AS m USING (model_id)
    WHERE r.event_time >= CAST($start AS TIMESTAMP)
      AND r.event_time < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)
)
SELECT
    req.event_time, req.account_id, req.region, req.base_model, req.model_resolved, req.routing,
    req.operation, req.model_mode, req.service_tier, req.team, req.application,
    req.attribution_rule, req.input_tokens, req.output_tokens, req.cache_read_input_tokens,
    req.cache_write_input_tokens, req.cache_write_1h_input_tokens, req.image_count,
    t.threshold_tokens AS long_context_threshold
FROM req
LEFT JOIN thresholds AS t
    ON t.base_model = req.base_model AND req.usage_date >= t.effective_from
   AND (t.effective_to IS NULL OR req.usage_date < t.effective_to)
