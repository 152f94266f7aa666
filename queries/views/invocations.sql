-- name: invocations
-- purpose: One row per Bedrock request, deduplicated on (account_id, region, request_id), with
--   the model id resolved to its base model and routing, and the team/application it belongs to.
--   Logs loaded through the Spark job (`ingest facts`) have no rows here: the job hands over
--   hourly facts, not requests (docs/scale-out.md).
-- grain: one row per (account_id, region, request_id)
-- column request_id: Bedrock requestId (x-amzn-requestid)
-- column account_id: 12-digit AWS account
-- column region: source Region the call was made to (sets the price)
-- column event_time: record timestamp, UTC, second precision
-- column event_date: UTC date of event_time (for day filters and partitions)
-- column identity_arn: calling IAM/STS principal ARN
-- column operation: Converse | ConverseStream | InvokeModel | InvokeModelWithResponseStream
-- column model_id: model identifier as logged (id, profile id or ARN)
-- column base_model: foundation model id behind model_id; NULL when unresolved
-- column routing: in_region | geo | global; NULL when unresolved
-- column kind: what model_id named (foundation_model, system_profile, application_profile ...)
-- column inference_region: Region that served a cross-Region call
-- column input_tokens: uncached input tokens
-- column output_tokens: output tokens
-- column cache_read_input_tokens: prompt-cache read tokens
-- column cache_write_input_tokens: prompt-cache write tokens (5m and 1h)
-- column cache_write_1h_input_tokens: the 1h-TTL part of cache writes when the body told; else NULL
-- column service_tier: standard | priority | flex (| reserved) when logged in the body; NULL =
--   not logged
-- column latency_mode: performanceConfig.latency (standard | optimized) when logged
-- column error_code: errorCode of a failed call (loaded with 0 tokens); NULL for successful calls
-- column request_metadata: caller's requestMetadata map
-- column team: attributed team (set on the record by the attribute stage; before it ran, the
--   contract default: request_metadata['team'], else 'unattributed')
-- column application: attributed application (stored on the record; else the default:
--   request_metadata app, then application, else 'unattributed')
-- column attribution_rule: rule that decided the team (e.g. rules[2].principal), or 'default',
--   'unattributed'; 'fallback:request_metadata' when the attribute stage has not run on the row
-- column source_uri: where the kept copy of the record came from
-- column line_number: 1-based line of the kept copy in its decompressed file (cloudwatch://:
--   the event's index within its stream for the pulled window)
-- column run_id: run that loaded it
CREATE OR REPLACE VIEW invocations AS
SELECT
    r.request_id, r.account_id, r.region, r.event_time, CAST(r.event_time AS DATE) AS event_date,
    r.identity_arn, r.operation, r.model_id,
    m.base_model, m.routing, coalesce(m.kind, 'unknown') AS kind, r.inference_region,
    r.input_tokens, r.output_tokens, r.cache_read_input_tokens, r.cache_write_input_tokens,
    r.cache_write_1h_input_tokens, r.service_tier, r.latency_mode, r.error_code,
    r.request_metadata,
    -- the attribution fallback macros (schema 0017_vocabulary), shared with
    -- stages/aggregate_requests
    attributed_team(r.team, r.request_metadata) AS team,
    attributed_application(r.application, r.request_metadata) AS application,
    attributed_rule(r.attribution_rule, r.request_metadata) AS attribution_rule,
    r.source_uri, r.line_number, r.run_id
FROM invocation_records AS r
LEFT JOIN model_ids AS m USING (model_id);
