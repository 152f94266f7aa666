-- name: whatif_store
-- purpose: Replace the stored what-if of the window $start..$end (table whatif_rows, the `whatif`
--   view) with the rows registered as Arrow table wf_store (columns in whatif_rows order, exact
--   DECIMAL(38, 12) amounts), and record what they were computed from in whatif_windows
--   ($inputs_key, the stage result $stage as JSON, $run_id, $computed_at). The caller runs it in a
--   transaction that is rolled back when stored.sql reads the same after as before.
-- grain: the window's rows
DELETE FROM whatif_rows WHERE window_start = $start AND window_end = $end;
INSERT INTO whatif_rows BY NAME SELECT * FROM wf_store;
INSERT OR REPLACE INTO whatif_windows
VALUES ($start, $end, $inputs_key, $stage, $run_id, $computed_at);
