-- name: invocation_attribution
-- purpose: Compatibility view: the attribution of each attributed request, as the table of this
--   name held it before schema 0019 moved attribution onto invocation_records. Requests the
--   attribute stage has not seen yet are not here (the `invocations` view applies the contract
--   default to them). New SQL should read `invocations.team/application/attribution_rule`.
-- grain: one row per attributed invocation record (account_id, region, request_id)
-- column account_id: AWS account of the request
-- column region: Region of the request
-- column request_id: Bedrock request id
-- column team: attributed team
-- column application: attributed application
-- column rule: the rule that decided the team (or, without a team, the application)
-- column run_id: the run whose attribute stage wrote it
-- column application_rule: the rule that decided the application
CREATE OR REPLACE VIEW invocation_attribution AS
SELECT account_id, region, request_id, team, application, attribution_rule AS rule,
       attribution_run_id AS run_id, application_rule
FROM invocation_records
WHERE attribution_run_id IS NOT NULL;
