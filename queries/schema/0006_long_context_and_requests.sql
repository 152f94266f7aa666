-- name: 0006_long_context_and_requests
-- purpose: data and columns the aggregation and rating stages need beyond 0001: the long-context
--   thresholds per model (effective-dated), and a request count that can be summed across charges.

-- A request whose total input (uncached input + cache read + cache write) exceeds the model's
-- threshold bills ALL its token charges at the model's long-context prices (context_tier 'long').
-- Data, not code: a model gets a long-context tier only when a row here says so (Bedrock does not
-- apply Anthropic's >200K surcharge to every model, e.g. not to the 4.6 generation).
CREATE TABLE long_context_thresholds (
    base_model        VARCHAR NOT NULL,
    threshold_tokens  BIGINT NOT NULL,   -- total input strictly above this is 'long'
    effective_from    DATE NOT NULL,     -- the newest row with effective_from <= usage date applies
    source            VARCHAR NOT NULL,
    PRIMARY KEY (base_model, effective_from)
);

INSERT INTO long_context_thresholds VALUES
    ('anthropic.claude-sonnet-4-20250514-v1:0', 200000, DATE '2025-05-14',
     'aws.amazon.com/bedrock/pricing (Sonnet 4 >200K input tier); reference formats.md 5.7'),
    ('anthropic.claude-sonnet-4-5-20250929-v1:0', 200000, DATE '2025-09-29',
     'aws.amazon.com/bedrock/pricing (Sonnet 4.5 >200K input tier); reference formats.md 5.7');

-- usage_hourly_facts.requests counts the requests that had a non-zero quantity of the row's charge,
-- so it cannot be summed across charges (one request has input AND output rows). requests_counted
-- counts each request exactly once, on its first non-zero charge in the order input_tokens,
-- cache_read_input_tokens, cache_write_input_tokens, cache_write_1h_input_tokens, output_tokens,
-- images; sum(requests_counted) over any grouping is the number of distinct requests.
ALTER TABLE usage_hourly_facts ADD COLUMN requests_counted BIGINT NOT NULL DEFAULT 0;

-- Rated rows carry both request counts through to the `spend` view and the report.
ALTER TABLE rated_usage ADD COLUMN requests BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rated_usage ADD COLUMN requests_counted BIGINT NOT NULL DEFAULT 0;
