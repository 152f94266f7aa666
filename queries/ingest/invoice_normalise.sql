-- name: invoice_normalise
-- purpose: One staged billing file into temp table invoice_norm: its rows as its format's
--   normaliser reads them (temp view invoice_normalised, stages/invoice_normalise_<format>), with
--   the file's name, format and family, the line number ($line_offset + the row number) and the
--   line item id, time interval and currency of temp view invoice_identity (NULL where the
--   file's format has no such column).
-- grain: one row per row of the file
INSERT INTO invoice_norm BY NAME
SELECT
    $source_uri AS source_uri,
    $source_format AS source_format,
    $source_family AS source_family,
    CAST(n.file_row AS BIGINT) + $line_offset AS line_number,
    n.* EXCLUDE (file_row),
    x.line_item_id,
    x.time_interval,
    x.currency
FROM invoice_normalised AS n
LEFT JOIN invoice_identity AS x USING (file_row)
