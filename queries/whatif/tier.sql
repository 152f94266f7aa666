-- name: whatif_tier
-- purpose: Scenario tier. Priced on-demand token usage moved one service tier: standard -> flex and
--   priority -> standard (direction opportunity), flex -> standard (direction reverse: what the
--   flex tier saves). Same model, Region, routing, charge and context tier. A tier without a price
--   for the key leaves the row unpriced (no_target_price). Everything else is unchanged.
-- grain: one row per spend row of the window
INSERT INTO wf_moves BY NAME
WITH b AS (
    SELECT *, priced AND unit = 'token' AND mode = 'on_demand'
                  AND tier IN ('standard', 'flex', 'priority') AS movable,
           CASE tier WHEN 'standard' THEN 'flex' ELSE 'standard' END AS target
    FROM wf_base
)
SELECT
    'tier' AS scenario,
    CASE WHEN NOT movable THEN 'unchanged' WHEN tier = 'flex' THEN 'reverse' ELSE 'opportunity' END
        AS direction,
    base_key,
    1 AS part,
    tier AS from_label,
    CASE WHEN movable THEN target ELSE tier END AS to_label,
    CASE WHEN NOT movable THEN 'not affected by this scenario'
         WHEN tier = 'standard'
         THEN 'the same tokens on the flex tier: cheaper, but requests may wait or be '
              || 'throttled when capacity is short (for latency-tolerant work)'
         WHEN tier = 'priority'
         THEN 'the same tokens on the standard tier: no priority latency'
         ELSE 'what the flex tier saves: the same tokens at the standard tier price'
    END AS assumption,
    CASE WHEN movable THEN base_model END AS t_base_model,
    CASE WHEN movable THEN routing END AS t_routing,
    CASE WHEN movable THEN target END AS t_tier,
    CASE WHEN movable THEN mode END AS t_mode,
    CASE WHEN movable THEN charge END AS t_charge,
    CASE WHEN movable THEN context_tier END AS t_context_tier,
    CASE WHEN movable THEN quantity END AS t_quantity
FROM b;
