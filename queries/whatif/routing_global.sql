-- name: whatif_routing_global
-- purpose: Scenario routing_global. Priced in-Region and geo calls (on-demand or batch tokens) are
--   re-priced at the global cross-Region routing of the same model, Region, tier, mode, charge and
--   context tier (direction opportunity); global calls are re-priced at the Regional (geo) rate
--   (direction reverse: what keeping data in the geography would cost). A model with no global
--   price has no price for the target: the row is unpriced (no_target_price), never $0.
--   Everything else (unpriced usage, provisioned and imported models, images) is unchanged.
-- grain: one row per spend row of the window
INSERT INTO wf_moves BY NAME
WITH b AS (
    SELECT *,
           priced AND unit = 'token' AND mode IN ('on_demand', 'batch')
           AND routing IN ('in_region', 'geo', 'global') AS movable
    FROM wf_base
)
SELECT
    'routing_global' AS scenario,
    CASE WHEN NOT movable THEN 'unchanged'
         WHEN routing = 'global' THEN 'reverse' ELSE 'opportunity' END AS direction,
    base_key,
    1 AS part,
    routing AS from_label,
    CASE WHEN NOT movable THEN routing WHEN routing = 'global' THEN 'geo' ELSE 'global' END
        AS to_label,
    CASE WHEN NOT movable THEN 'not affected by this scenario'
         WHEN routing = 'global'
         THEN 'the same tokens kept in the geography (geo profile, Regional price): what data '
              || 'residency costs compared with global routing'
         ELSE 'the same tokens sent through a global cross-Region inference profile, at the '
              || 'global price of the source Region; requests may then be served in any '
              || 'commercial Region (no data residency)'
    END AS assumption,
    CASE WHEN movable THEN base_model END AS t_base_model,
    CASE WHEN movable THEN (CASE WHEN routing = 'global' THEN 'geo' ELSE 'global' END) END
        AS t_routing,
    CASE WHEN movable THEN tier END AS t_tier,
    CASE WHEN movable THEN mode END AS t_mode,
    CASE WHEN movable THEN charge END AS t_charge,
    CASE WHEN movable THEN context_tier END AS t_context_tier,
    CASE WHEN movable THEN quantity END AS t_quantity
FROM b;
