-- name: migrations_table
-- purpose: The migrations applied to this database (version, file name, SHA-256 of the text, when).
-- grain: one row per applied migration
CREATE TABLE IF NOT EXISTS _migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'))
