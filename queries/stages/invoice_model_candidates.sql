-- name: invoice_model_candidates
-- purpose: the model ids seen in the logs of each account, Region and day that has an invoice
--   line without a model: the candidates the matcher may name (rated usage after a run, resolved
--   invocations right after an ingest). Parameters: $start, $end (inclusive usage dates).
-- grain: account_id x region x usage_date
WITH pending AS (
    SELECT DISTINCT account_id, region, CAST(usage_start AS DATE) AS usage_date
    FROM invoice_line_items
    WHERE charge_category = 'Usage' AND base_model IS NULL
        AND CAST(usage_start AS DATE) BETWEEN $start AND $end
),
seen AS (
    SELECT account_id, region, usage_date, base_model
    FROM rated_usage
    WHERE base_model IS NOT NULL AND usage_date BETWEEN $start AND $end
    UNION
    SELECT r.account_id, r.region, CAST(r.event_time AS DATE) AS usage_date, m.base_model
    FROM invocation_records AS r
    JOIN model_ids AS m USING (model_id)
    WHERE m.base_model IS NOT NULL
        AND CAST(r.event_time AS DATE) BETWEEN $start AND $end
)
SELECT s.account_id, s.region, s.usage_date, list(DISTINCT s.base_model ORDER BY s.base_model)
FROM seen AS s
JOIN pending AS p USING (account_id, region, usage_date)
GROUP BY ALL
