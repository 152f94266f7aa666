-- name: whatif_macros_present
-- purpose: The macros this connection can call (persistent and temporary), so that the what-if
--   can define, for the connection only, the shared rating macros a database written by an older
--   version lacks (queries/views/price_book.sql, discount_book.sql).
-- grain: one row per macro name
SELECT DISTINCT function_name
FROM duckdb_functions()
WHERE function_type LIKE '%macro%'
