-- name: whatif_result
-- purpose: The what-if rows computed into wf_result (summarise.sql and provisioned.sql) in a
--   stable order, with the figures the row details are written from (cache deltas and tokens,
--   the busiest hour, model units, the window's unit cost per model unit, the price ids).
-- grain: one row per what-if row
SELECT scenario, direction, team, application, base_model, region, from_label, to_label,
       quantity, unit, current_cost_usd, whatif_cost_usd, savings_usd, priced, unpriced_reason,
       assumption, rank, cache_read_delta_usd, cache_write_5m_delta_usd,
       cache_write_1h_delta_usd, cache_read_tokens, cache_write_5m_tokens,
       cache_write_1h_tokens, peak_hour_tokens, tokens_per_minute, model_units, unit_cost_window,
       price_ids
FROM wf_result
ORDER BY scenario, direction, team, application, base_model, region, from_label, to_label,
         unpriced_reason NULLS FIRST;
