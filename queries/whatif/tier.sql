-- name: whatif_tier
-- purpose: Scenario tier, both ways. Priced on-demand token usage of each service tier is re-priced
--   at every other tier (standard, flex, priority; same model, Region, routing, mode, charge and
--   context tier): two moves per spend row. The first move (one step towards flex) carries the
--   row's current cost: standard -> flex and priority -> standard (direction opportunity),
--   flex -> standard (direction reverse: what the flex tier saves). The second move re-prices the
--   same usage at the remaining tier (standard -> priority, priority -> flex, flex -> priority)
--   with direction alternative: its current cost is the same usage's, so it is left out of the
--   scenario's current-cost total (which therefore still sums to the spend total). A tier without
--   a price for the key leaves that move unpriced (no_target_price), never $0. Everything else is
--   unchanged.
-- grain: one row per spend row of the window, plus one alternative row per movable spend row
INSERT INTO wf_moves BY NAME
WITH b AS (
    SELECT *, priced AND unit = 'token' AND mode = 'on_demand'
                  AND tier IN ('standard', 'flex', 'priority') AS movable
    FROM wf_base
),
targets AS (
    SELECT b.*, t.target, t.alternative
    FROM b,
         (VALUES ('standard', 'flex', false), ('standard', 'priority', true),
                 ('priority', 'standard', false), ('priority', 'flex', true),
                 ('flex', 'standard', false), ('flex', 'priority', true))
             AS t(from_tier, target, alternative)
    WHERE b.movable AND t.from_tier = b.tier
)
SELECT
    'tier' AS scenario,
    CASE WHEN alternative THEN 'alternative' WHEN tier = 'flex' THEN 'reverse'
         ELSE 'opportunity' END AS direction,
    base_key,
    1 AS part,
    tier AS from_label,
    target AS to_label,
    CASE target
        WHEN 'flex'
        THEN 'the same tokens on the flex tier: cheaper where priced, but requests may wait or '
             || 'be throttled when capacity is short (for latency-tolerant work)'
        WHEN 'priority'
        THEN 'the same tokens on the priority tier: faster, steadier latency at the priority price'
        ELSE 'the same tokens on the standard tier: no priority latency, no flex waiting'
    END AS assumption,
    base_model AS t_base_model,
    routing AS t_routing,
    target AS t_tier,
    mode AS t_mode,
    charge AS t_charge,
    context_tier AS t_context_tier,
    quantity AS t_quantity
FROM targets
UNION ALL
SELECT 'tier', 'unchanged', base_key, 1, tier, tier, 'not affected by this scenario',
       NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM b WHERE NOT movable;
