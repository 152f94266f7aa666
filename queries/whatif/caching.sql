-- name: whatif_caching
-- purpose: Scenario caching, two parts.
--   * The actual cache return (direction opportunity when caching cost more than it saved, else
--     reverse): every priced cache read (cache_read_input_tokens) and 5-minute / 1-hour cache write
--     (cache_write_input_tokens, cache_write_1h_input_tokens) re-priced as uncached input
--     (input_tokens, same model, Region, routing, tier, mode and context tier): what the same
--     requests would have cost without prompt caching. savings > 0 = the cache loses money.
--   * Candidates (direction candidate): on-demand usage of a team, application, model and Region
--     with no cache reads or writes in the window whose uncached input averages at least
--     $min_input tokens per request. Its input is re-priced at hit rate $hit_rate: floor(input x
--     hit rate) tokens as cache reads, the rest as 5-minute cache writes (each miss writes the
--     prefix). A model with no cache price leaves the row unpriced (no_target_price).
--   Everything else is left to whatif/unchanged.
-- grain: one row per moved spend row of the window and part (candidates: 1 = reads, 2 = writes, a
--   part of 0 tokens costs $0 when priced)
INSERT INTO wf_moves BY NAME
WITH cache_keys AS (
    SELECT DISTINCT team, application, base_model, region
    FROM wf_base
    WHERE charge IN ('cache_read_input_tokens', 'cache_write_input_tokens',
                     'cache_write_1h_input_tokens')
),
candidate_keys AS (
    SELECT team, application, base_model, region
    FROM wf_base
    WHERE charge = 'input_tokens' AND mode = 'on_demand' AND unit = 'token'
    GROUP BY ALL
    HAVING sum(quantity) >= CAST($min_input AS BIGINT) * sum(requests) AND sum(requests) > 0
    EXCEPT
    SELECT team, application, base_model, region FROM cache_keys
),
b AS (
    SELECT wb.*,
           wb.priced AND wb.unit = 'token'
           AND wb.charge IN ('cache_read_input_tokens', 'cache_write_input_tokens',
                             'cache_write_1h_input_tokens') AS actual,
           wb.priced AND wb.charge = 'input_tokens' AND wb.mode = 'on_demand'
           AND ck.team IS NOT NULL AS candidate,
           CAST(floor(wb.quantity * CAST($hit_rate AS DECIMAL(18, 6))) AS BIGINT) AS hits
    FROM wf_base wb
    LEFT JOIN candidate_keys ck USING (team, application, base_model, region)
),
parts AS (
    SELECT b.*, p.part,
           CASE p.part WHEN 1 THEN 'cache_read_input_tokens' ELSE 'cache_write_input_tokens' END
               AS part_charge,
           CASE p.part WHEN 1 THEN hits ELSE quantity - hits END AS part_quantity
    FROM b, (VALUES (1), (2)) AS p(part)
    WHERE candidate
)
SELECT 'caching' AS scenario, 'actual' AS direction, base_key, 1 AS part, 1 AS parts,
       'prompt caching' AS from_label, 'no caching' AS to_label,
       'without prompt caching, every cache read and write of these requests would have been '
       || 'uncached input at the input price' AS assumption,
       'input_tokens' AS t_charge, NULL::BIGINT AS t_quantity
FROM b WHERE actual
UNION ALL
SELECT 'caching', 'candidate', base_key, part, 2, 'no caching',
       'prompt caching at hit rate ' || $hit_rate_text,
       'hit rate ' || $hit_rate_text || ' ([whatif] cache_hit_rate): that share '
       || 'of the uncached input read from the cache, the rest written to it (5-minute writes); '
       || 'assumes the prompts repeat a cacheable prefix - the prompts themselves are not stored',
       part_charge, part_quantity
FROM parts;
