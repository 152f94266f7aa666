-- name: whatif_batch
-- purpose: Scenario batch. Priced on-demand token usage re-priced at mode batch (tier standard;
--   same model, Region, routing, charge and context tier), the batch price of the price book
--   (about 50% of on-demand for the models that have one). Applications listed in
--   [whatif] batch_applications ($batch_apps) are direction opportunity; every other application
--   is a candidate (ranked by current cost in the output). No batch price for a charge (e.g.
--   cache charges) leaves the row unpriced (no_target_price). Everything else is left to
--   whatif/unchanged.
-- grain: one row per movable spend row of the window
INSERT INTO wf_moves BY NAME
WITH b AS (
    SELECT *, list_contains($batch_apps, application) AS eligible
    FROM wf_base
    WHERE priced AND unit = 'token' AND mode = 'on_demand'
)
SELECT
    'batch' AS scenario,
    CASE WHEN eligible THEN 'opportunity' ELSE 'candidate' END AS direction,
    base_key,
    1 AS part,
    mode AS from_label,
    'batch' AS to_label,
    CASE WHEN eligible
         THEN 'marked batch-eligible ([whatif] batch_applications): the same tokens as a batch '
              || 'inference job at the batch price (results within 24 hours)'
         ELSE 'only if these calls can wait for a batch inference job (results within 24 hours): '
              || 'the same tokens at the batch price'
    END AS assumption,
    'standard' AS t_tier,
    'batch' AS t_mode
FROM b;
