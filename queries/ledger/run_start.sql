-- name: run_start
-- purpose: The ledger row of a command that starts writing: its run id, the command, when.
-- grain: one row per run
INSERT INTO run_log (run_id, command, started_at, status)
VALUES ($run_id, $command, $started_at, 'running')
