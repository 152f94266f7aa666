-- name: spark_scratch_clear
-- purpose: Empty a Spark task's scratch tables before the next chunk of records is rolled up.
-- grain: statement
DELETE FROM invocation_records;
DELETE FROM usage_hourly_facts;
