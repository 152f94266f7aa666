-- name: aggregate_groups
-- purpose: Pre-aggregate per-request rows (the relation `requests`, with the columns of
--   aggregate_requests.sql) before anything leaves DuckDB: a 10M-request month becomes about a
--   million groups instead of ten million rows for Polars. The per-request rules that do not add
--   up are applied here, per request, before summing (docs/rating.md):
--   * cache writes split by TTL: 1h part = least(logged 1h part or 0, all writes); 5m part = the rest;
--   * long context: uncached input + cache reads + all cache writes above the model's threshold;
--   * first charge: the first non-zero quantity in request order (core.vocabulary.REQUEST_CHARGES,
--     the order of vocab_charges.request_order: input, cache read, cache write 5m, cache write 1h,
--     output, images; the CASE and the quantity columns below are in that order), where the
--     request is counted once: `<charge>_first` counts the group's requests whose first charge it is;
--   and per charge the sum of quantities and the number of requests with a non-zero quantity
--   (`requests` counts every request of the group, zero-token ones included, for the summary).
--   The charge rules that do add up (tier, mode, unpivot into one row per charge) stay in Polars
--   (reconciler.stages.aggregate.facts_from_groups). Sums and the long-context addition are HUGEINT, so
--   no count can overflow here; the caller checks that the window's totals fit a BIGINT before
--   anything is narrowed (reconciler.stages.aggregate.check_token_range).
-- grain: one row per hour x account x region x base_model x model_resolved x routing x operation
--   x model_mode x service_tier x team x application x attribution_rule x long_context
SELECT
    hour, account_id, region, base_model, model_resolved, routing, operation, model_mode,
    service_tier, team, application, attribution_rule, long_context,
    count(*) AS requests,
    sum(input_tokens) AS input_tokens,
    sum(cache_read_input_tokens) AS cache_read_input_tokens,
    sum(cache_write_input_tokens) AS cache_write_input_tokens,
    sum(cache_write_1h_input_tokens) AS cache_write_1h_input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(images) AS images,
    count(*) FILTER (WHERE input_tokens > 0) AS input_tokens_requests,
    count(*) FILTER (WHERE cache_read_input_tokens > 0) AS cache_read_input_tokens_requests,
    count(*) FILTER (WHERE cache_write_input_tokens > 0) AS cache_write_input_tokens_requests,
    count(*) FILTER (WHERE cache_write_1h_input_tokens > 0) AS cache_write_1h_input_tokens_requests,
    count(*) FILTER (WHERE output_tokens > 0) AS output_tokens_requests,
    count(*) FILTER (WHERE images > 0) AS images_requests,
    count(*) FILTER (WHERE first_position = 1) AS input_tokens_first,
    count(*) FILTER (WHERE first_position = 2) AS cache_read_input_tokens_first,
    count(*) FILTER (WHERE first_position = 3) AS cache_write_input_tokens_first,
    count(*) FILTER (WHERE first_position = 4) AS cache_write_1h_input_tokens_first,
    count(*) FILTER (WHERE first_position = 5) AS output_tokens_first,
    count(*) FILTER (WHERE first_position = 6) AS images_first
FROM (
    SELECT
        *,
        -- the position of the first non-zero quantity, in request order (a CASE: as fast as the
        -- names were, a list_position over the six was a third slower on 10M requests)
        CASE WHEN input_tokens > 0 THEN 1
             WHEN cache_read_input_tokens > 0 THEN 2
             WHEN cache_write_input_tokens > 0 THEN 3
             WHEN cache_write_1h_input_tokens > 0 THEN 4
             WHEN output_tokens > 0 THEN 5
             WHEN images > 0 THEN 6 END AS first_position
    FROM (
        SELECT
            date_trunc('hour', event_time) AS hour, account_id, region, base_model, model_resolved,
            routing, operation, model_mode, service_tier, team, application, attribution_rule,
            coalesce(long_context_threshold IS NOT NULL
                     AND CAST(input_tokens AS HUGEINT) + cache_read_input_tokens
                         + cache_write_input_tokens > long_context_threshold, false) AS long_context,
            input_tokens,
            cache_read_input_tokens,
            cache_write_input_tokens
                - least(coalesce(cache_write_1h_input_tokens, 0), cache_write_input_tokens)
                AS cache_write_input_tokens,
            least(coalesce(cache_write_1h_input_tokens, 0), cache_write_input_tokens)
                AS cache_write_1h_input_tokens,
            output_tokens,
            coalesce(image_count, 0) AS images
        FROM requests
    ) AS per_request
) AS positioned
GROUP BY ALL
