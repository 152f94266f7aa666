-- name: 0021_bundled_price_state
-- purpose: What the bundled price book was when it was last loaded: a digest of the package's
--   price files and of the code that turns them into rows, and a digest of the `bundled` rows it
--   left in `prices`. While both still match, a run skips parsing the bundled files to compare
--   them (0.1-0.15 s of every writing command, docs/performance.md); an upgrade (new files or
--   code) or a bundled row changed by hand makes the next run parse and reload as before.
-- grain: at most one row
CREATE TABLE bundled_price_state (
    files_digest VARCHAR NOT NULL,
    rows_digest  VARCHAR NOT NULL,
    row_count    BIGINT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);
