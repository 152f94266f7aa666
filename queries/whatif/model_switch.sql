-- name: whatif_model_switch
-- purpose: Scenario model_switch (--move FROM=TO, or [whatif] moves). Priced token usage of model
--   FROM is re-priced at model TO's price for the same Region, routing, tier, mode, charge and
--   context tier, with the tokens as logged. Quality and tokenisation differ between models: the
--   same text is a different number of tokens on TO, and the answers differ. No price for TO on
--   that key leaves the row unpriced (no_target_price). The moves come from the temporary table
--   wf_move_map(from_model, to_model). Everything else is left to whatif/unchanged.
-- grain: one row per movable spend row of the window
INSERT INTO wf_moves BY NAME
SELECT
    'model_switch' AS scenario,
    'opportunity' AS direction,
    wb.base_key,
    1 AS part,
    wb.base_model AS from_label,
    mm.to_model AS to_label,
    'tokens as logged, priced at ' || mm.to_model || ' prices (same Region, routing, tier '
    || 'and mode); quality and tokenisation differ between models, so real token '
    || 'counts and answers would change' AS assumption,
    mm.to_model AS t_base_model
FROM wf_base AS wb
JOIN wf_move_map AS mm ON mm.from_model = wb.base_model
WHERE wb.priced AND wb.unit = 'token';
