-- name: invoice_group_stats
-- purpose: The counts of one loaded group for the run summary: rows read, rows inserted (this
--   run), unmapped usage rows, non-model rows (AgentCore, knowledge bases), quarantined and
--   duplicate Bedrock rows. Non-Bedrock rows are the rest.
-- grain: one row
SELECT
    (SELECT count(*) FROM invoice_typed) AS total,
    count(*) AS inserted,
    count(*) FILTER (WHERE NOT mapped AND charge_category = 'Usage') AS unmapped,
    count(*) FILTER (WHERE usage_kind IN ('agentcore', 'knowledge_base')) AS non_model,
    (SELECT count(*) FROM invoice_typed
        WHERE bad IS NOT NULL AND (strong_bedrock OR marketplace_candidate)) AS quarantined,
    (SELECT count(*) FROM invoice_typed
        WHERE duplicate AND (strong_bedrock OR marketplace_candidate)) AS duplicates
FROM invoice_line_items
WHERE run_id = $run_id AND source_uri IN (SELECT DISTINCT source_uri FROM invoice_typed)
