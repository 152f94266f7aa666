-- name: stages/attribute_insert
-- purpose: Write the window's attribution (the temporary table `_attribution_new` the rules
--   built, reconciler.stages.attribute.build_attribution_sql) with the run that wrote it; the
--   window's old rows were removed first (stages/attribute_delete) in the same transaction.
INSERT INTO invocation_attribution (
    account_id, region, request_id, team, application, rule, run_id, application_rule
)
SELECT account_id, region, request_id, team, application, rule, $run_id, application_rule
FROM _attribution_new
