-- name: bundled_state
-- purpose: The recorded state of the bundled price book (schema 0021): reconciler.pricebook.bundled
--   skips its reload while the files digest matches the package's and the rows digest matches
--   bundled_rows_digest.sql now.
-- grain: at most one row
SELECT files_digest, rows_digest, row_count
FROM bundled_price_state
