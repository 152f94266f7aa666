-- name: 0018_imported_facts
-- purpose: hourly usage facts loaded from the Spark job's output (`reconciler ingest facts DIR`,
--   docs/scale-out.md). The aggregate stage copies a window's rows into usage_hourly_facts; local
--   invocation records in a covered (hour, account_id, region) cell are left out there, so the
--   same logs ingested both ways never count twice. `ingest facts` replaces the cells it covers.
CREATE TABLE imported_usage_facts AS SELECT * FROM usage_hourly_facts LIMIT 0;
