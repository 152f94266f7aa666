-- name: facts_quarantine_reasons
-- purpose: Quarantined lines of run $run_id by reason, for the run summary of `ingest facts`.
-- grain: one row per reason
SELECT reason, count(*) AS n
FROM quarantine_records
WHERE run_id = $run_id
GROUP BY reason
