-- name: whatif_batch
-- purpose: Scenario batch. Priced on-demand token usage re-priced at mode batch (tier standard;
--   same model, Region, routing, charge and context tier), the batch price of the price book
--   (about 50% of on-demand for the models that have one). Applications listed in
--   [whatif] batch_applications ($batch_apps) are direction opportunity; every other application
--   is a candidate (ranked by current cost in the output). No batch price for a charge (e.g.
--   cache charges) leaves the row unpriced (no_target_price). Everything else is unchanged.
-- grain: one row per spend row of the window
INSERT INTO wf_moves BY NAME
WITH b AS (
    SELECT *, priced AND unit = 'token' AND mode = 'on_demand' AS movable,
           list_contains($batch_apps, application) AS eligible
    FROM wf_base
)
SELECT
    'batch' AS scenario,
    CASE WHEN NOT movable THEN 'unchanged' WHEN eligible THEN 'opportunity' ELSE 'candidate' END
        AS direction,
    base_key,
    1 AS part,
    mode AS from_label,
    CASE WHEN movable THEN 'batch' ELSE mode END AS to_label,
    CASE WHEN NOT movable THEN 'not affected by this scenario'
         WHEN eligible
         THEN 'marked batch-eligible ([whatif] batch_applications): the same tokens as a batch '
              || 'inference job at the batch price (results within 24 hours)'
         ELSE 'only if these calls can wait for a batch inference job (results within 24 hours): '
              || 'the same tokens at the batch price'
    END AS assumption,
    CASE WHEN movable THEN base_model END AS t_base_model,
    CASE WHEN movable THEN routing END AS t_routing,
    CASE WHEN movable THEN 'standard' END AS t_tier,
    CASE WHEN movable THEN 'batch' END AS t_mode,
    CASE WHEN movable THEN charge END AS t_charge,
    CASE WHEN movable THEN context_tier END AS t_context_tier,
    CASE WHEN movable THEN quantity END AS t_quantity
FROM b;
