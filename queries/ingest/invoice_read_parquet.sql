-- name: invoice_read_parquet
-- purpose: A Parquet billing file as it is, with its 0-based row number as file_row.
-- grain: one row per row of the file
SELECT * EXCLUDE (file_row_number), file_row_number AS file_row
FROM read_parquet($path, file_row_number = true)
