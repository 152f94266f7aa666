-- name: 0017_vocabulary
-- purpose: the CONTRACT's vocabularies in the database, so the SQL joins them instead of listing
--   values (reconciler/core/vocabulary.py is the one definition; tests/core/test_vocabulary_tables.py
--   fails when these rows and that module disagree: a vocabulary change is a new migration).
--   One table `vocabulary` (one block in the file, not one per vocabulary) and a view per
--   vocabulary that the SQL joins. vocab_charges: every charge; `token` = a token class (billed
--   per token, reconciled against token lines), `request_order` = the order a request's charges
--   are counted in (its requests_counted goes to the first non-zero one; NULL = not produced by
--   a request), `inference` = false for Bedrock charges that are not model inference (AgentCore,
--   Knowledge Bases). vocab_modes: `capacity` = tokens billed by capacity (model-unit hours,
--   Custom Model Unit minutes), never per token. vocab_causes: reconciliation causes in
--   bill-bridge order. vocab_price_layers: price-book layers, rank 1 wins. Also the macros of the
--   attribution fallback shared by the invocations view and the aggregation stage: before the
--   attribute stage ran on a request, its team is request_metadata['team'], its application
--   request_metadata['app'] then ['application'], else 'unattributed', with rule
--   'fallback:request_metadata' (or 'unattributed' when the metadata names neither).
CREATE TABLE vocabulary (
    vocabulary VARCHAR NOT NULL,    -- charge | mode | tier | cause | price_layer
    name VARCHAR NOT NULL,
    position INTEGER NOT NULL,      -- order in its vocabulary.py tuple, from 1
    token BOOLEAN,                  -- charge: a token class
    request_order INTEGER,          -- charge: order a request's charges are counted in
    inference BOOLEAN,              -- charge: model inference (false: AgentCore, Knowledge Bases)
    capacity BOOLEAN                -- mode: tokens billed by capacity, never per token
);
INSERT INTO vocabulary VALUES
    ('charge', 'input_tokens', 1, TRUE, 1, TRUE, NULL),
    ('charge', 'output_tokens', 2, TRUE, 5, TRUE, NULL),
    ('charge', 'cache_read_input_tokens', 3, TRUE, 2, TRUE, NULL),
    ('charge', 'cache_write_input_tokens', 4, TRUE, 3, TRUE, NULL),
    ('charge', 'cache_write_1h_input_tokens', 5, TRUE, 4, TRUE, NULL),
    ('charge', 'images', 6, FALSE, 6, TRUE, NULL),
    ('charge', 'model_unit_hours', 7, FALSE, NULL, TRUE, NULL),
    ('charge', 'custom_model_unit_minutes', 8, FALSE, NULL, TRUE, NULL),
    ('charge', 'training_tokens', 9, FALSE, NULL, TRUE, NULL),
    ('charge', 'storage_months', 10, FALSE, NULL, TRUE, NULL),
    ('charge', 'guardrail_text_units', 11, FALSE, NULL, TRUE, NULL),
    ('charge', 'other', 12, FALSE, NULL, TRUE, NULL),
    ('charge', 'agentcore_usage', 13, FALSE, NULL, FALSE, NULL),
    ('charge', 'knowledge_base_usage', 14, FALSE, NULL, FALSE, NULL),
    ('charge', 'model_unit_hours_1_month', 15, FALSE, NULL, TRUE, NULL),
    ('charge', 'model_unit_hours_6_months', 16, FALSE, NULL, TRUE, NULL),
    ('mode', 'on_demand', 1, NULL, NULL, NULL, FALSE),
    ('mode', 'batch', 2, NULL, NULL, NULL, FALSE),
    ('mode', 'provisioned', 3, NULL, NULL, NULL, TRUE),
    ('mode', 'custom_import', 4, NULL, NULL, NULL, TRUE),
    ('tier', 'standard', 1, NULL, NULL, NULL, NULL),
    ('tier', 'priority', 2, NULL, NULL, NULL, NULL),
    ('tier', 'flex', 3, NULL, NULL, NULL, NULL),
    ('cause', 'unlogged_usage', 1, NULL, NULL, NULL, NULL),
    ('cause', 'unbilled_usage', 2, NULL, NULL, NULL, NULL),
    ('cause', 'unpriced_usage', 3, NULL, NULL, NULL, NULL),
    ('cause', 'unmapped_usage_type', 4, NULL, NULL, NULL, NULL),
    ('cause', 'unit_mismatch', 5, NULL, NULL, NULL, NULL),
    ('cause', 'price_mismatch', 6, NULL, NULL, NULL, NULL),
    ('cause', 'non_token_charge', 7, NULL, NULL, NULL, NULL),
    ('cause', 'provisioned_tokens', 8, NULL, NULL, NULL, NULL),
    ('cause', 'discount_or_credit', 9, NULL, NULL, NULL, NULL),
    ('cause', 'tax_or_fee', 10, NULL, NULL, NULL, NULL),
    ('cause', 'rounding', 11, NULL, NULL, NULL, NULL),
    ('price_layer', 'overlay', 1, NULL, NULL, NULL, NULL),
    ('price_layer', 'price_list', 2, NULL, NULL, NULL, NULL),
    ('price_layer', 'bundled', 3, NULL, NULL, NULL, NULL);
CREATE VIEW vocab_charges AS
SELECT name AS charge, position, token, request_order, inference
FROM vocabulary WHERE vocabulary = 'charge';
CREATE VIEW vocab_modes AS
SELECT name AS mode, position, capacity FROM vocabulary WHERE vocabulary = 'mode';
CREATE VIEW vocab_tiers AS SELECT name AS tier, position FROM vocabulary WHERE vocabulary = 'tier';
CREATE VIEW vocab_causes AS
SELECT name AS cause, position FROM vocabulary WHERE vocabulary = 'cause';
CREATE VIEW vocab_price_layers AS
SELECT name AS layer, position AS rank FROM vocabulary WHERE vocabulary = 'price_layer';
CREATE MACRO attributed_team(team, md) AS coalesce(team, nullif(md['team'], ''), 'unattributed');
CREATE MACRO attributed_application(application, md) AS coalesce(
    application, nullif(md['app'], ''), nullif(md['application'], ''), 'unattributed');
CREATE MACRO attributed_rule(rule, md) AS coalesce(
    rule,
    CASE WHEN coalesce(nullif(md['team'], ''), nullif(md['app'], ''),
                       nullif(md['application'], '')) IS NOT NULL
         THEN 'fallback:request_metadata' ELSE 'unattributed' END);
