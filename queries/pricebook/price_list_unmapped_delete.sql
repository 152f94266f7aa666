-- name: price_list_unmapped_delete
-- purpose: Remove one origin's unmapped SKUs before its new import is recorded.
-- grain: rows of one origin
DELETE FROM price_list_unmapped WHERE origin = $origin
