-- name: whatif_routing_global
-- purpose: Scenario routing_global. Priced in-Region and geo calls (on-demand or batch tokens) are
--   re-priced at the global cross-Region routing of the same model, Region, tier, mode, charge and
--   context tier (direction opportunity); global calls are re-priced at the Regional (geo) rate
--   (direction reverse: what keeping data in the geography would cost). A model with no global
--   price has no price for the target: the row is unpriced (no_target_price), never $0.
--   Only the routing changes (the other target columns stay NULL: the spend row's own); everything
--   else (unpriced usage, provisioned and imported models, images) is left to whatif/unchanged.
-- grain: one row per movable spend row of the window
INSERT INTO wf_moves BY NAME
WITH b AS (
    SELECT *, CASE WHEN routing = 'global' THEN 'geo' ELSE 'global' END AS target
    FROM wf_base
    WHERE priced AND unit = 'token' AND mode IN ('on_demand', 'batch')
      AND routing IN ('in_region', 'geo', 'global')
)
SELECT
    'routing_global' AS scenario,
    CASE WHEN routing = 'global' THEN 'reverse' ELSE 'opportunity' END AS direction,
    base_key,
    1 AS part,
    routing AS from_label,
    target AS to_label,
    CASE WHEN routing = 'global'
         THEN 'the same tokens kept in the geography (geo profile, Regional price): what data '
              || 'residency costs compared with global routing'
         ELSE 'the same tokens sent through a global cross-Region inference profile, at the '
              || 'global price of the source Region; requests may then be served in any '
              || 'commercial Region (no data residency)'
    END AS assumption,
    target AS t_routing
FROM b;
