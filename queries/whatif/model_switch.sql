-- name: whatif_model_switch
-- purpose: Scenario model_switch (--move FROM=TO, or [whatif] moves). Priced token usage of model
--   FROM is re-priced at model TO's price for the same Region, routing, tier, mode, charge and
--   context tier, with the tokens as logged. Quality and tokenisation differ between models: the
--   same text is a different number of tokens on TO, and the answers differ. No price for TO on
--   that key leaves the row unpriced (no_target_price). The moves come from the temporary table
--   wf_move_map(from_model, to_model). Everything else is unchanged.
-- grain: one row per spend row of the window
INSERT INTO wf_moves BY NAME
WITH b AS (
    SELECT wb.*, mm.to_model,
           wb.priced AND wb.unit = 'token' AND mm.to_model IS NOT NULL AS movable
    FROM wf_base wb
    LEFT JOIN wf_move_map mm ON mm.from_model = wb.base_model
)
SELECT
    'model_switch' AS scenario,
    CASE WHEN movable THEN 'opportunity' ELSE 'unchanged' END AS direction,
    base_key,
    1 AS part,
    base_model AS from_label,
    CASE WHEN movable THEN to_model ELSE base_model END AS to_label,
    CASE WHEN movable
         THEN 'tokens as logged, priced at ' || to_model || ' prices (same Region, routing, tier '
              || 'and mode); quality and tokenisation differ between models, so real token '
              || 'counts and answers would change'
         ELSE 'not affected by this scenario' END AS assumption,
    CASE WHEN movable THEN to_model END AS t_base_model,
    CASE WHEN movable THEN routing END AS t_routing,
    CASE WHEN movable THEN tier END AS t_tier,
    CASE WHEN movable THEN mode END AS t_mode,
    CASE WHEN movable THEN charge END AS t_charge,
    CASE WHEN movable THEN context_tier END AS t_context_tier,
    CASE WHEN movable THEN quantity END AS t_quantity
FROM b;
