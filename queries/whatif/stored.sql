-- name: whatif_stored
-- purpose: A digest of everything the stored what-ifs hold (whatif_rows and whatif_windows),
--   without when and by which run they were computed: when storing a result leaves it the same,
--   the write is rolled back, so a nightly run with nothing new publishes nothing.
-- grain: one row
SELECT count(*),
       bit_xor(hash(window_start, window_end, scenario, direction, team, application,
                    base_model, region, "from", "to", quantity, unit, current_cost_usd,
                    whatif_cost_usd, savings_usd, priced, unpriced_reason, assumption, detail,
                    rank, command)),
       (SELECT bit_xor(hash(window_start, window_end, inputs_key, stage)) FROM whatif_windows)
FROM whatif_rows;
