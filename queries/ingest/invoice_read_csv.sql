-- name: invoice_read_csv
-- purpose: A CSV billing file (plain or gzip) as text columns, with its 1-based row number as
--   file_row (every amount stays text until cast to DECIMAL: no float).
-- grain: one row per data row of the file
SELECT *, row_number() OVER () AS file_row
FROM read_csv($path, header = true, all_varchar = true)
