-- name: facts_replace
-- purpose: `ingest facts`: replace the imported hourly facts of every (hour, account_id, region)
--   cell the job output covers (the staged `_facts_facts`) with the output's rows. Loading the
--   same output again deletes and inserts the same rows: idempotent.
-- grain: statement
DELETE FROM imported_usage_facts AS f
WHERE EXISTS (
    SELECT 1 FROM _facts_facts AS n
    WHERE n.hour = f.hour AND n.account_id = f.account_id AND n.region = f.region
);
