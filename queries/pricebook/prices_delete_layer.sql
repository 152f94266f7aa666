-- name: prices_delete_layer
-- purpose: Remove the rows of one price layer ($layer), of every origin ($origins NULL) or of the
--   files in $origins, before their replacements are inserted (same transaction); returns the
--   count.
-- grain: price rows
DELETE FROM prices
WHERE layer = $layer AND ($origins IS NULL OR list_contains($origins, origin))
