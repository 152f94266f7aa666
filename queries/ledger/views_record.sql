-- name: views_record
-- purpose: Record $digest as the digest of the view definitions this database now holds.
-- grain: one row
DELETE FROM _views;
INSERT INTO _views VALUES ($digest)
