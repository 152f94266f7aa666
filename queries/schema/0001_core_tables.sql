-- name: 0001_core_tables
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
    reason       VARCHAR NOT NULL,  -- a reconciler.core.quarantine.Reason value
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

-- Which team and application each request belongs to, and which rule decided it.
CREATE TABLE invocation_attribution (
    account_id   VARCHAR NOT NULL,
    region       VARCHAR NOT NULL,
    request_id   VARCHAR NOT NULL,
    team         VARCHAR NOT NULL,
    application  VARCHAR NOT NULL,
    rule         VARCHAR NOT NULL,   -- e.g. "rules[2]:request_metadata", "default", "unattributed"
    run_id       VARCHAR NOT NULL
);

-- The effective-dated price book: bundled defaults, AWS Price List imports and user overlays.
-- '*' in base_model/region/routing/tier means any. effective_to is exclusive; NULL = open.
-- Precedence when several rows match: layer overlay > price_list > bundled, then the most
-- specific key. price_usd is per `unit` (token | 1K tokens | 1M tokens | image | hour | minute |
-- month | 1K units); never divide DECIMALs in DuckDB (it yields DOUBLE): multiply by unit_factor.
CREATE TABLE prices (
    price_id        VARCHAR PRIMARY KEY,
    base_model      VARCHAR NOT NULL,
    region          VARCHAR NOT NULL,
    routing         VARCHAR NOT NULL,   -- in_region | geo | global | regional (= in_region or geo) | *
    tier            VARCHAR NOT NULL,   -- standard | priority | flex | *
    mode            VARCHAR NOT NULL,   -- on_demand | batch | provisioned | custom_import
    charge          VARCHAR NOT NULL,   -- CONTRACT vocabulary
    context_tier    VARCHAR NOT NULL DEFAULT 'standard',  -- standard | long (above the model's threshold)
    unit            VARCHAR NOT NULL,
    unit_factor     DECIMAL(38, 12) NOT NULL,  -- base quantities per unit, inverted: 1K tokens -> 0.001
    price_usd       DECIMAL(38, 12) NOT NULL,
    effective_from  DATE NOT NULL,
    effective_to    DATE,
    layer           VARCHAR NOT NULL,   -- bundled | price_list | overlay
    source          VARCHAR NOT NULL,   -- file, URL or SKU it came from
    checked         DATE,               -- when a human last checked it against AWS
    loaded_at       TIMESTAMP NOT NULL,
    run_id          VARCHAR NOT NULL
);

-- Negotiated discounts (EDP/PPA-style), applied to rated list cost. Percent off, effective-dated.
CREATE TABLE discounts (
    discount_id     VARCHAR PRIMARY KEY,
    scope           VARCHAR NOT NULL,   -- all | account | model | provider
    scope_value     VARCHAR NOT NULL,   -- '*' for all; account id; base model id; provider (anthropic)
    percent         DECIMAL(9, 6) NOT NULL,
    effective_from  DATE NOT NULL,
    effective_to    DATE,
    source          VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL
);

-- Aggregated usage per hour and key (the `usage_hourly` view). quantity is in base units:
-- tokens for token charges, images for images.
CREATE TABLE usage_hourly_facts (
    hour          TIMESTAMP NOT NULL,
    account_id    VARCHAR NOT NULL,
    region        VARCHAR NOT NULL,
    base_model    VARCHAR NOT NULL,   -- the logged model_id when it could not be resolved
    model_resolved BOOLEAN NOT NULL,
    routing       VARCHAR NOT NULL,   -- in_region | geo | global | unknown
    tier          VARCHAR NOT NULL,
    mode          VARCHAR NOT NULL,
    charge        VARCHAR NOT NULL,
    context_tier  VARCHAR NOT NULL,
    team          VARCHAR NOT NULL,
    application   VARCHAR NOT NULL,
    attribution_rule VARCHAR NOT NULL,  -- the rule that decided team/application (coverage)
    quantity      BIGINT NOT NULL,
    unit          VARCHAR NOT NULL,   -- token | image
    requests      BIGINT NOT NULL,
    run_id        VARCHAR NOT NULL
);

-- Rated usage per day and key (the `spend` view). priced = false: cost_usd is NULL, never 0.
CREATE TABLE rated_usage (
    usage_date      DATE NOT NULL,
    account_id      VARCHAR NOT NULL,
    region          VARCHAR NOT NULL,
    base_model      VARCHAR NOT NULL,
    routing         VARCHAR NOT NULL,
    tier            VARCHAR NOT NULL,
    mode            VARCHAR NOT NULL,
    charge          VARCHAR NOT NULL,
    context_tier    VARCHAR NOT NULL,
    team            VARCHAR NOT NULL,
    application     VARCHAR NOT NULL,
    attribution_rule VARCHAR NOT NULL,
    quantity        BIGINT NOT NULL,
    unit            VARCHAR NOT NULL,
    unit_price_usd  DECIMAL(38, 12),    -- per `price_unit`
    price_unit      VARCHAR,
    list_cost_usd   DECIMAL(38, 12),    -- before negotiated discounts
    discount_usd    DECIMAL(38, 12),
    cost_usd        DECIMAL(38, 12),    -- list_cost_usd - discount_usd; NULL when unpriced
    price_id        VARCHAR,
    discount_id     VARCHAR,
    priced          BOOLEAN NOT NULL,
    unpriced_reason VARCHAR,
    run_id          VARCHAR NOT NULL
);

-- Bedrock invoice lines as billed (the `invoice_lines` view), from CUR 2.0, legacy CUR, FOCUS or
-- Cost Explorer. Non-Bedrock rows are not stored (they are counted in the run summary).
CREATE TABLE invoice_line_items (
    billing_period      DATE NOT NULL,      -- first day of the billing month
    usage_start         TIMESTAMP NOT NULL,
    usage_end           TIMESTAMP NOT NULL,
    account_id          VARCHAR NOT NULL,
    region              VARCHAR,
    product_code        VARCHAR,
    product             VARCHAR,            -- product name, e.g. "Claude Sonnet 4.5 (Amazon Bedrock Edition)"
    usage_type          VARCHAR,
    operation           VARCHAR,
    line_item_type      VARCHAR NOT NULL,   -- Usage | Credit | Refund | Tax | EdpDiscount | ...
    billing_model_name  VARCHAR,            -- model segment of the usage type (NovaMicro, Claude4.5Sonnet)
    base_model          VARCHAR,            -- NULL when the usage type is unmapped
    routing             VARCHAR,            -- regional | global; NULL for non-model charges
    tier                VARCHAR,
    mode                VARCHAR,
    charge              VARCHAR,
    quantity            DECIMAL(38, 12),    -- native line_item_usage_amount
    unit                VARCHAR,            -- native pricing unit (1K tokens, 1M tokens, image, hour ...)
    tokens_per_unit     BIGINT,             -- 1000, 1000000, 1; NULL for non-token charges
    quantity_tokens     DECIMAL(38, 12),    -- quantity * tokens_per_unit; NULL for non-token charges
    unblended_rate      DECIMAL(38, 12),
    unblended_cost_usd  DECIMAL(38, 12) NOT NULL,
    net_cost_usd        DECIMAL(38, 12) NOT NULL,
    resource_id         VARCHAR,
    iam_principal       VARCHAR,
    tags                MAP(VARCHAR, VARCHAR),
    mapped              BOOLEAN NOT NULL,   -- false: usage type not in the mapping table
    source_format       VARCHAR NOT NULL,   -- cur2 | cur_legacy | focus_1_0 | focus_1_2 | cost_explorer
    source_uri          VARCHAR NOT NULL,
    line_number         BIGINT,
    run_id              VARCHAR NOT NULL
);
