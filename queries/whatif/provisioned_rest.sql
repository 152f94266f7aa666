-- name: whatif_provisioned_rest
-- purpose: Scenario provisioned, the rows it leaves alone: every spend row that is not priced
--   on-demand token usage is unchanged (the priced on-demand usage is summed per model and Region
--   by whatif/provisioned.sql instead), so the scenario's current cost still sums to the spend total.
-- grain: one row per spend row of the window that provisioned throughput does not cover
INSERT INTO wf_moves BY NAME
SELECT 'provisioned' AS scenario, 'unchanged' AS direction, base_key, 1 AS part,
       mode AS from_label, mode AS to_label, 'not affected by this scenario' AS assumption
FROM wf_base
WHERE NOT (priced AND unit = 'token' AND mode = 'on_demand');
