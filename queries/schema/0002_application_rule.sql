-- name: 0002_application_rule
-- purpose: attribution decides team and application independently (first rule that yields each
--   wins), so record which rule decided the application too. `rule` stays the team's rule (or the
--   application's when no rule yielded a team); application_rule is NULL for rows written before.
ALTER TABLE invocation_attribution ADD COLUMN application_rule VARCHAR;
