-- name: 0001_init
-- purpose: the core tables every stage writes: the run ledger, the source-object ledger,
--   the quarantine, invocation records, resolved model ids, prices, rated usage and invoice lines.
--   Stages own their tables; public views in queries/views/ are the stable API over them.

-- One row per command run (the `runs` view). status: running | ok | findings | failed | abandoned.
CREATE TABLE run_log (
    run_id       VARCHAR PRIMARY KEY,
    command      VARCHAR NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,
    exit_code    INTEGER,
    summary      JSON
);

-- Every source object (file, S3 object, CloudWatch window) whose content was committed.
-- fingerprint = ETag for S3, "<size>:<mtime_ns>" for local files, the window for CloudWatch.
CREATE TABLE source_objects (
    source_uri   VARCHAR NOT NULL,
    fingerprint  VARCHAR NOT NULL,
    size_bytes   BIGINT,
    kind         VARCHAR NOT NULL,   -- s3_delivery | cloudwatch_export | cloudwatch_api | invoice_* ...
    run_id       VARCHAR NOT NULL,
    loaded_at    TIMESTAMP NOT NULL,
    records      BIGINT NOT NULL DEFAULT 0,   -- records loaded (new)
    duplicates   BIGINT NOT NULL DEFAULT 0,   -- records dropped as duplicates of a loaded one
    quarantined  BIGINT NOT NULL DEFAULT 0,   -- records (or the whole file) quarantined
    PRIMARY KEY (source_uri, fingerprint)
);

-- Rejected records and files. detail never carries prompt/response text.
CREATE TABLE quarantine_records (
    run_id       VARCHAR NOT NULL,
    source_uri   VARCHAR NOT NULL,
    line_number  BIGINT,            -- 1-based; NULL when the whole file was rejected
    reason       VARCHAR NOT NULL,  -- a reconciler.quarantine.Reason value
    detail       VARCHAR NOT NULL,
    recorded_at  TIMESTAMP NOT NULL
);

-- One row per Bedrock request, deduplicated on (account_id, region, request_id).
-- Metadata only: bodies are never stored. Values derived from a logged body (1h cache writes,
-- service tier) are numbers/enums, never text of the body.
CREATE TABLE invocation_records (
    request_id                   VARCHAR NOT NULL,
    account_id                   VARCHAR NOT NULL,
    region                       VARCHAR NOT NULL,
    event_time                   TIMESTAMP NOT NULL,
    identity_arn                 VARCHAR,
    operation                    VARCHAR,
    model_id                     VARCHAR NOT NULL,   -- as logged
    inference_region             VARCHAR,
    input_tokens                 BIGINT NOT NULL,    -- uncached input only (AWS semantics)
    output_tokens                BIGINT NOT NULL,
    cache_read_input_tokens      BIGINT NOT NULL,
    cache_write_input_tokens     BIGINT NOT NULL,    -- all cache writes, 5m and 1h
    cache_write_1h_input_tokens  BIGINT,             -- 1h part, when the logged body told; else NULL
    service_tier                 VARCHAR,            -- from the logged body when present; NULL = not logged
    latency_mode                 VARCHAR,            -- performanceConfig.latency
    error_code                   VARCHAR,
    request_metadata             MAP(VARCHAR, VARCHAR),
    source_uri                   VARCHAR NOT NULL,
    line_number                  BIGINT NOT NULL,
    run_id                       VARCHAR NOT NULL
);

-- A request seen again with different token counts: a finding, the first copy is kept.
CREATE TABLE duplicate_conflicts (
    account_id        VARCHAR NOT NULL,
    region            VARCHAR NOT NULL,
    request_id        VARCHAR NOT NULL,
    kept_source_uri   VARCHAR NOT NULL,
    kept_line_number  BIGINT NOT NULL,
    dup_source_uri    VARCHAR NOT NULL,
    dup_line_number   BIGINT NOT NULL,
    detail            VARCHAR NOT NULL,   -- which counts differ, e.g. "output_tokens 356 != 357"
    run_id            VARCHAR NOT NULL
);

-- Every distinct logged model id, resolved to what it bills as. Unresolved ids are kept
-- (resolved = false), never guessed.
CREATE TABLE model_ids (
    model_id        VARCHAR PRIMARY KEY,
    base_model      VARCHAR,      -- foundation model id as AWS spells it; NULL if unresolved
    routing         VARCHAR,      -- in_region | geo | global; NULL if unresolved
    kind            VARCHAR NOT NULL,  -- foundation_model | system_profile | application_profile |
                                       -- provisioned | custom | custom_deployment | imported |
                                       -- prompt | sagemaker | unknown
    mode            VARCHAR,      -- on_demand | provisioned | custom_import
    geo             VARCHAR,      -- profile prefix: us, eu, apac, global ...
    profile_arn     VARCHAR,      -- application inference profile / provisioned ARN
    tags            MAP(VARCHAR, VARCHAR),  -- application inference profile tags
    resolved        BOOLEAN NOT NULL,
    resolution      VARCHAR NOT NULL,  -- how: parsed | bedrock_api | mapping_file | unresolved:<why>
    resolved_at     TIMESTAMP NOT NULL
);
