-- name: 0019_attribution_on_records
-- purpose: Store each request's attribution on its invocation record instead of in a separate
--   table. The aggregate stage joined every request of the window to invocation_attribution on
--   three strings (deduplicated per request): on a 10M-request month that join was most of the
--   roll-up's time (docs/performance.md, round two). The attribute stage now UPDATEs these
--   columns for the window's records; NULL means "not attributed yet" and the attributed_*
--   macros (0017_vocabulary) apply the contract default, exactly as a missing attribution row did.
--   Existing attribution moves over (the newest run per request, as the aggregate picked it);
--   invocation_attribution becomes a compatibility view over these columns
--   (queries/views/invocation_attribution.sql), so SQL written against the table keeps working.
ALTER TABLE invocation_records ADD COLUMN team VARCHAR;
ALTER TABLE invocation_records ADD COLUMN application VARCHAR;
ALTER TABLE invocation_records ADD COLUMN attribution_rule VARCHAR;
ALTER TABLE invocation_records ADD COLUMN application_rule VARCHAR;
ALTER TABLE invocation_records ADD COLUMN attribution_run_id VARCHAR;

UPDATE invocation_records AS r
SET team = a.pick.team,
    application = a.pick.application,
    attribution_rule = a.pick.rule,
    application_rule = a.pick.application_rule,
    attribution_run_id = a.pick.run_id
FROM (
    SELECT account_id, region, request_id,
           arg_max(struct_pack(team, application, rule, application_rule, run_id), run_id) AS pick
    FROM invocation_attribution
    GROUP BY account_id, region, request_id
) AS a
WHERE a.account_id = r.account_id AND a.region = r.region AND a.request_id = r.request_id;

DROP TABLE invocation_attribution;
