-- name: discounts_delete
-- purpose: Remove the discounts loaded from the given origins (files, or the config) before their
--   replacements are inserted (same transaction); returns the count.
-- grain: discount rows
DELETE FROM discounts WHERE list_contains($origins, origin)
