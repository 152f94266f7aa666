-- name: views_state
-- purpose: Whether the views need re-creating: the digest stored in _views (NULL when none) and
--   how many of the views named in $views are not in the database.
-- grain: one row
SELECT (SELECT max(digest) FROM _views) AS digest,
       (SELECT count(*)
        FROM unnest(CAST($views AS VARCHAR[])) AS v(name)
        WHERE name NOT IN (SELECT view_name FROM duckdb_views() WHERE schema_name = 'main'))
           AS missing
