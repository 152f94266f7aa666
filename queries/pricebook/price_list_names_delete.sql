-- name: price_list_names_delete
-- purpose: Remove one origin's Price List name facts before its new import is recorded.
-- grain: rows of one origin
DELETE FROM price_list_names WHERE origin = $origin
