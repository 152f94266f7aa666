-- name: whatif_move_map
-- purpose: The model switches of the model_switch scenario as temporary table
--   wf_move_map(from_model, to_model): $move_from[i] -> $move_to[i] (--move and [whatif] moves,
--   base model ids, each FROM once). An empty list gives an empty table.
-- grain: one row per move
CREATE OR REPLACE TEMP TABLE wf_move_map AS
SELECT unnest(CAST($move_from AS VARCHAR[])) AS from_model,
       unnest(CAST($move_to AS VARCHAR[])) AS to_model;
