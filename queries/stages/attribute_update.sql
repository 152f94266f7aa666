-- name: attribute_update
-- purpose: Write the attribution just computed (temp table _attribution_new, one row per request
--   of the window) onto the requests' invocation records, by rowid: _attribution_new was read in
--   this same transaction (reconciler.stages.attribute.run), so the rowids are the records'.
--   An UPDATE replaces, so re-running a window never adds anything; requests outside the window
--   keep theirs.
-- grain: statement
UPDATE invocation_records AS r
SET team = n.team,
    application = n.application,
    attribution_rule = n.rule,
    application_rule = n.application_rule,
    attribution_run_id = $run_id
FROM _attribution_new AS n
WHERE r.rowid = n.record_rowid
