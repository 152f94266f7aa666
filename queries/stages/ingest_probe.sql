-- name: ingest_probe
-- purpose: Decide whether the staged batch (the Arrow table _ingest_keyed: its records and
--   their dedupe keys) can skip the dedupe staging: the number of key clashes, i.e. records
--   of the batch whose dedupe key repeats within the batch, plus loaded records (event_time
--   within a day of the batch's range $lo..$hi, the same window ingest_stage_batch compares
--   against) whose key is one of the batch's keys or unknown (NULL). 0 means every record of the
--   batch is new and unique. A clash may be a hash collision; the caller then takes the exact
--   path, so the answer is never wrong, only slower.
-- grain: one row (clashes)
WITH batch AS (
    SELECT dedupe_key AS k FROM _ingest_keyed
)
SELECT
    (SELECT count(*) - count(DISTINCT k) FROM batch)
    + (SELECT count(*)
       FROM invocation_records
       WHERE event_time BETWEEN CAST($lo AS TIMESTAMP) - INTERVAL 1 DAY
                            AND CAST($hi AS TIMESTAMP) + INTERVAL 1 DAY
         AND (dedupe_key IS NULL OR dedupe_key IN (SELECT k FROM batch))) AS clashes
