-- name: migrations_applied
-- purpose: The versions already applied: the others run, in order.
-- grain: one row per applied migration
SELECT version FROM _migrations
