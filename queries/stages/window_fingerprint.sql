-- name: window_fingerprint
-- purpose: A fingerprint of every input the window stages (attribute, aggregate, rate, unit check,
--   reconcile, allocate) read for the UTC days $start..$end: the window's invocation records and
--   imported hourly facts (`ingest facts`), and
--   the whole of model_ids, prices, discounts, long_context_thresholds and invoice_line_items
--   (reconciliation works per billing period, beyond the window). Row counts plus an XOR of row
--   hashes: any insert, delete or changed value changes it (barring a 64-bit collision). DuckDB's
--   hash() may change between versions; that only makes the next run recompute. Timestamps of
--   loading (loaded_at, resolved_at, run_id) are left out: reloading the same content is no change.
--   About 20 ms for a day of 333,333 records.
-- grain: one row
SELECT concat_ws('|',
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(
                account_id, region, request_id, event_time, identity_arn, operation, model_id,
                inference_region, input_tokens, output_tokens, cache_read_input_tokens,
                cache_write_input_tokens, cache_write_1h_input_tokens, service_tier, latency_mode,
                error_code, request_metadata)), 0)
     FROM invocation_records
     WHERE event_time >= CAST($start AS TIMESTAMP)
       AND event_time < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)),
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(
                hour, account_id, region, base_model, model_resolved, routing, tier, mode, charge,
                context_tier, team, application, attribution_rule, quantity, unit, requests,
                requests_counted)), 0)
     FROM imported_usage_facts
     WHERE hour >= CAST($start AS TIMESTAMP)
       AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)),
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(
                model_id, base_model, routing, kind, mode, geo, profile_arn, tags, resolved,
                resolution)), 0)
     FROM model_ids),
    prices_digest(),
    discounts_digest(),
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(base_model, threshold_tokens, effective_from)), 0)
     FROM long_context_thresholds),
    (SELECT count(*) || ':' || coalesce(bit_xor(hash(
                billing_period, usage_start, usage_end, account_id, region, usage_type, operation,
                line_item_type, base_model, routing, tier, mode, charge, quantity, unit,
                quantity_tokens, unblended_cost_usd, net_cost_usd, resource_id, iam_principal,
                tags, mapped, source_format, source_uri, line_number, superseded_by, currency,
                currency_rate)), 0)
     FROM invoice_line_items)
) AS fingerprint
