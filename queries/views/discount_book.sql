-- name: discount_book
-- purpose: Negotiated discounts with their precedence: rating applies to a usage row the one
--   effective discount (effective_from <= usage date < effective_to) with the lowest precedence
--   among those whose scope matches: account (account_id = scope_value) 1, model (base_model =
--   scope_value) 2, provider (the part of base_model before the first '.') 3, all 4.
-- grain: one row per discount entry (scope, scope_value and date range)
-- column discount_id: stable id (content hash of scope, value, percent and dates)
-- column scope: all | account | model | provider
-- column scope_value: '*' for all; an account id; a base model id; a provider such as anthropic
-- column percent: percent off list price, DECIMAL(9,6) (7.5 = 7.5 %)
-- column effective_from: first UTC date the discount applies (inclusive)
-- column effective_to: first UTC date it no longer applies (exclusive); NULL = open
-- column precedence: lower wins when several match: account 1, model 2, provider 3, all 4
-- column source: contract reference or file the discount came from
CREATE OR REPLACE VIEW discount_book AS
SELECT discount_id, scope, scope_value, percent, effective_from, effective_to,
       CAST(CASE scope WHEN 'account' THEN 1 WHEN 'model' THEN 2 WHEN 'provider' THEN 3 ELSE 4 END
            AS INTEGER) AS precedence,
       source
FROM discounts;

-- The discount rules rating (queries/stages/rate.sql) and the what-if re-pricing
-- (queries/whatif/reprice.sql) share: whether a discount's scope covers a usage row, and its rank
-- among those that do (lowest wins: account, model, provider, all).
CREATE OR REPLACE MACRO discount_applies(d_scope, d_scope_value, usage_account, usage_model) AS
    (d_scope = 'account' AND d_scope_value = usage_account)
    OR (d_scope = 'model' AND d_scope_value = usage_model)
    OR (d_scope = 'provider' AND d_scope_value = split_part(usage_model, '.', 1))
    OR d_scope = 'all';

CREATE OR REPLACE MACRO discount_scope_rank(d_scope) AS
    CASE d_scope WHEN 'account' THEN 0 WHEN 'model' THEN 1 WHEN 'provider' THEN 2 ELSE 3 END;

-- A digest of the whole discounts table, shared like prices_digest() (queries/views/price_book.sql).
CREATE OR REPLACE MACRO discounts_digest() AS (
    SELECT count(*) || ':' || coalesce(bit_xor(hash(
               discount_id, scope, scope_value, percent, effective_from, effective_to)), 0)
    FROM discounts
);
