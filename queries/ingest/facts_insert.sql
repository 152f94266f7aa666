-- name: facts_insert
-- purpose: `ingest facts`: add the job output's hourly facts (after facts_replace removed the
--   cells they cover), stamped with the loading run.
-- grain: one row per fact row of the output
INSERT INTO imported_usage_facts BY NAME
SELECT hour, account_id, region, base_model, model_resolved, routing, tier, mode, charge,
       context_tier, team, application, attribution_rule, quantity, unit, requests,
       requests_counted, $run_id AS run_id
FROM _facts_facts;
