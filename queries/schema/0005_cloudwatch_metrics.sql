-- name: 0005_cloudwatch_metrics
-- purpose: CloudWatch AWS/Bedrock metrics (hourly Sums per ModelId series) for the
--   logging-coverage check, and the ledger of which account/region/hour windows were pulled, so
--   the coverage views only compare hours for which metrics were actually ingested.

-- One row per hour × account × region × ModelId series × metric, as CloudWatch summed it.
-- model_id is the ModelId dimension without its service-tier suffix; tier is standard (no suffix),
-- priority (`+priority`), flex (`+flex`), or the raw suffix for a tier this version does not know.
-- A re-ingest replaces a series' rows inside the pulled window (delete-then-insert).
CREATE TABLE bedrock_metrics_hourly (
    hour        TIMESTAMP NOT NULL,   -- UTC start of the hour
    account_id  VARCHAR NOT NULL,     -- account whose metrics these are (STS caller identity)
    region      VARCHAR NOT NULL,
    model_id    VARCHAR NOT NULL,     -- ModelId dimension value without the +tier suffix
    tier        VARCHAR NOT NULL,     -- standard | priority | flex | <raw suffix>
    metric      VARCHAR NOT NULL,     -- InputTokenCount, OutputTokenCount, ..., Invocations
    value       BIGINT NOT NULL,      -- the hour's Sum
    run_id      VARCHAR NOT NULL,
    PRIMARY KEY (hour, account_id, region, model_id, tier, metric)
);

-- Every window `ingest metrics` pulled (complete or not). window_end is exclusive.
-- incomplete_series > 0: some series came back PartialData/Forbidden/InternalError and kept
-- their previous rows (the run reported a finding).
CREATE TABLE bedrock_metrics_windows (
    account_id         VARCHAR NOT NULL,
    region             VARCHAR NOT NULL,
    window_start       TIMESTAMP NOT NULL,
    window_end         TIMESTAMP NOT NULL,
    series             BIGINT NOT NULL,   -- ModelId series × metrics queried
    incomplete_series  BIGINT NOT NULL,
    run_id             VARCHAR NOT NULL,
    ingested_at        TIMESTAMP NOT NULL
);
