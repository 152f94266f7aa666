-- name: run_abandon
-- purpose: Mark runs still 'running' as abandoned: the next writer holds the lock, so their
--   process died (its uncommitted work was rolled back by DuckDB).
-- grain: run_log rows left running
UPDATE run_log SET status = 'abandoned' WHERE status = 'running'
