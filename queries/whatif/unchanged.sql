-- name: whatif_unchanged
-- purpose: The spend rows scenario $scenario leaves alone: every spend row of the window that the
--   scenario's own file did not move gets one move of direction unchanged and no target (what-if
--   cost = current cost), so each scenario re-rates every spend row once and its current cost
--   sums to the spend total. One file for every scenario that moves rows one by one; from and to
--   show what the scenario would have changed: the routing (routing_global), the tier (tier),
--   the charge (caching), the model (model_switch), else the mode (batch).
-- grain: one row per spend row of the window the scenario did not move
INSERT INTO wf_moves BY NAME
WITH left_alone AS (
    SELECT b.base_key,
           CASE $scenario WHEN 'routing_global' THEN b.routing
                          WHEN 'tier' THEN b.tier
                          WHEN 'caching' THEN b.charge
                          WHEN 'model_switch' THEN b.base_model
                          ELSE b.mode END AS label
    FROM wf_base AS b
    WHERE NOT EXISTS (
        SELECT 1 FROM wf_moves AS m WHERE m.scenario = $scenario AND m.base_key = b.base_key
    )
)
SELECT $scenario AS scenario, 'unchanged' AS direction, base_key, 1 AS part,
       label AS from_label, label AS to_label, 'not affected by this scenario' AS assumption
FROM left_alone;
