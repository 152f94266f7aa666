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
--   left to whatif/unchanged.
-- grain: two rows per movable spend row of the window
INSERT INTO wf_moves BY NAME
WITH targets AS (
    SELECT b.*, t.target, t.alternative
    FROM wf_base AS b,
         (VALUES ('standard', 'flex', false), ('standard', 'priority', true),
                 ('priority', 'standard', false), ('priority', 'flex', true),
                 ('flex', 'standard', false), ('flex', 'priority', true))
             AS t(from_tier, target, alternative)
    WHERE b.priced AND b.unit = 'token' AND b.mode = 'on_demand' AND t.from_tier = b.tier
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
    target AS t_tier
FROM targets;
