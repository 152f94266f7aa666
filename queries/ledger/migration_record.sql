-- name: migration_record
-- purpose: Record one applied migration, in the transaction that applied it.
-- grain: one row per migration
INSERT INTO _migrations (version, name, sha256) VALUES ($version, $name, $sha256)
