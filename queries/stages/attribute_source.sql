-- name: attribute_source
-- purpose: The per-request input of the attribution stage: every invocation record in the window
--   [$start, $end + 1 day) (NULL = open), its request metadata, the tags of the application
--   inference profile it named (model_ids.tags) and its IAM principal split into role, session
--   (arn:aws:sts::<acct>:assumed-role/<role>/<session>) and user (arn:aws:iam::<acct>:user/<path/>name).
--   reconciler/stages/attribute.py wraps it in the rule expressions; this file only selects and parses.
-- grain: one row per invocation record (account_id, region, request_id)
SELECT
    r.rowid AS record_rowid, r.account_id, r.region, r.request_id, r.event_time, r.identity_arn,
    r.request_metadata AS md,
    m.tags AS tags,
    nullif(regexp_extract(r.identity_arn,
        '^arn:aws[a-z-]*:sts::[0-9]{12}:assumed-role/([^/]+)/.+$', 1), '') AS p_role,
    nullif(regexp_extract(r.identity_arn,
        '^arn:aws[a-z-]*:sts::[0-9]{12}:assumed-role/[^/]+/(.+)$', 1), '') AS p_session,
    nullif(regexp_extract(r.identity_arn,
        '^arn:aws[a-z-]*:iam::[0-9]{12}:user/(?:[^/]+/)*([^/]+)$', 1), '') AS p_user
FROM invocation_records AS r
LEFT JOIN model_ids AS m USING (model_id)
WHERE ($start IS NULL OR r.event_time >= CAST(CAST($start AS DATE) AS TIMESTAMP))
  AND ($end IS NULL OR r.event_time < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP))
