-- name: report/catalog
-- purpose: The tables and views of the database with their columns, so a report section, the
--   chargeback or the FOCUS export can tell "this database was last written by an older version"
--   (a view missing or lacking a column) from a bug, and say so instead of a binder error.
-- grain: one row per table or view x column
SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'
