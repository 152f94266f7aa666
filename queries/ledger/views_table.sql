-- name: views_table
-- purpose: The digest of the view files whose definitions this database holds (written by
--   migrate after re-creating every view), so that a writer re-creates the views only when they
--   changed (docs/performance.md).
-- grain: at most one row
CREATE TABLE IF NOT EXISTS _views (digest VARCHAR NOT NULL)
