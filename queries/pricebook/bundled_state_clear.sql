-- name: bundled_state_clear
-- purpose: Forget the recorded state of the bundled price book before bundled_state_record.sql
--   writes the new one (the table holds one row).
-- grain: statement
DELETE FROM bundled_price_state
