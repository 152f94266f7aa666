-- name: stages/reconcile
-- purpose: Compare rated usage with the invoice for one window of usage dates and write one
--   reconciliation_rows row per bucket with its delta, status and most likely cause. The logged
--   side's in_region and geo routings are folded into `regional` (one usage type bills both).
--   Invoice lines are classified by line_item_type: usage lines carry quantity and cost; discount
--   and credit lines are tied to their bucket when they name a model and charge, else they are rows
--   of their own; taxes and fees are always rows of their own. The invoiced cost of a bucket is the
--   sum of net_cost_usd over its lines, so net-vs-unblended differences are part of the delta.
--   Cost Explorer lines (source_format cost_explorer) are used only for a billing period and
--   account that has no CUR/FOCUS line: CUR wins where both exist.
--   Tokens sent through provisioned throughput (mode provisioned) are billed by the model-unit
--   hours, never per token: a provisioned token bucket with no token line on the invoice is
--   covered by the hourly charge (cause provisioned_tokens, matched; no token price needed).
--   Tokens sent to an imported model (mode custom_import) are likewise billed by the Custom
--   Model Unit minutes (charge custom_model_unit_minutes) and take the same cause.
--   Token charges, capacity-billed modes and non-inference charges come from the vocabulary
--   tables (vocab_charges, vocab_modes; schema 0017_vocabulary), never listed here.
--   Parameters: $start, $end (inclusive DATEs), $abs_tol (USD), $pct_factor (percent / 100),
--   $run_id.
-- grain: usage_date x account_id x region x base_model x routing x tier x mode x charge; plus
--   usage_type for unmapped usage types and line_item_type for untied credits, taxes and fees.
INSERT INTO reconciliation_rows
WITH token_charges AS (SELECT charge FROM vocab_charges WHERE token),
capacity_modes AS (SELECT mode FROM vocab_modes WHERE capacity),
logged AS (
    SELECT
        usage_date, account_id, region, base_model,
        billed_routing(routing) AS routing,
        tier, mode, charge,
        CAST(NULL AS VARCHAR) AS usage_type,
        CAST(NULL AS VARCHAR) AS line_item_type,
        CAST(NULL AS VARCHAR) AS model_match,
        quantity AS logged_q,
        CAST(0 AS DECIMAL(38, 12)) AS invoiced_q,
        cost_usd AS rated,
        list_cost_usd AS rated_list,
        1 AS logged_rows,
        CASE WHEN priced THEN 0 ELSE 1 END AS unpriced_rows,
        CASE WHEN mode IN (SELECT mode FROM capacity_modes)
                  AND charge IN (SELECT charge FROM token_charges) THEN 1 ELSE 0 END
            AS provisioned_rows,
        CAST(0 AS DECIMAL(38, 12)) AS invoiced,
        CAST(0 AS DECIMAL(38, 12)) AS invoiced_gross,
        0 AS usage_lines,
        0 AS credit_lines,
        0 AS other_lines,
        FALSE AS unit_flag
    FROM rated_usage
    WHERE usage_date BETWEEN $start AND $end
),
classified AS (
    SELECT
        *,
        CAST(usage_start AS DATE) AS usage_date,
        CASE
            WHEN line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
                THEN 'usage'
            -- every discount-like type the invoice ingest files as a credit (charge_category
            -- 'Credit': SppDiscount, DistributorDiscount ... and FOCUS ChargeCategory Credit)
            -- FOCUS ChargeCategory Adjustment (a negotiated discount, a correction) is a
            -- discount or credit too; FOCUS Tax stays a tax
            WHEN line_item_type IN ('Credit', 'Refund', 'EdpDiscount', 'PrivateRateDiscount',
                                    'BundledDiscount', 'SppDiscount', 'DistributorDiscount',
                                    'SavingsPlanNegation', 'Discount', 'Adjustment')
                OR charge_category = 'Credit'
                THEN 'credit'
            ELSE 'other'
        END AS kind
    FROM invoice_line_items AS l
    WHERE CAST(usage_start AS DATE) BETWEEN $start AND $end
        -- only the source used for the period and account (stages/invoice_precedence)
        AND l.superseded_by IS NULL
        -- Cost Explorer lines stand in only where no CUR/FOCUS line exists for the same billing
        -- period and account: when both sources hold a month, CUR wins (never both, no double
        -- count). stages/reconcile_inputs counts with the same rule.
        AND (source_format <> 'cost_explorer' OR NOT EXISTS (
            SELECT 1 FROM invoice_line_items AS c
            WHERE c.source_format <> 'cost_explorer'
                AND c.billing_period = l.billing_period AND c.account_id = l.account_id))
),
billed AS (
    SELECT
        usage_date, account_id, region, base_model, routing, tier, mode, charge,
        -- unmapped: the invoice stage says so, or a usage line names no charge, or a token
        -- charge names no model (guardrails, storage ... legitimately have no model)
        CASE WHEN kind = 'usage' AND (NOT mapped OR charge IS NULL OR (base_model IS NULL
                 AND charge IN (SELECT charge FROM token_charges)))
             THEN coalesce(usage_type, '') END AS usage_type,
        CASE WHEN kind = 'other' OR (kind = 'credit' AND (base_model IS NULL OR charge IS NULL))
             THEN line_item_type END AS line_item_type,
        -- the matcher's finding (candidates logged that day) for a line with no model
        CASE WHEN kind = 'usage' AND base_model IS NULL THEN model_match END AS model_match,
        CAST(0 AS BIGINT) AS logged_q,
        CASE WHEN kind = 'usage' THEN coalesce(quantity_tokens, quantity, 0)
             ELSE 0 END AS invoiced_q,
        CAST(NULL AS DECIMAL(38, 12)) AS rated,
        CAST(NULL AS DECIMAL(38, 12)) AS rated_list,
        0 AS logged_rows,
        0 AS unpriced_rows,
        0 AS provisioned_rows,
        net_cost_usd AS invoiced,
        CASE WHEN kind = 'usage' THEN unblended_cost_usd ELSE 0 END AS invoiced_gross,
        CASE WHEN kind = 'usage' THEN 1 ELSE 0 END AS usage_lines,
        CASE WHEN kind = 'credit' THEN 1 ELSE 0 END AS credit_lines,
        CASE WHEN kind = 'other' THEN 1 ELSE 0 END AS other_lines,
        coalesce(unit_check = 'x1000_off', FALSE) AS unit_flag
    FROM classified
),
bucket AS (
    SELECT
        usage_date, account_id, region, base_model, routing, tier, mode, charge, usage_type,
        line_item_type,
        CAST(sum(logged_q) AS BIGINT) AS logged_q,
        CAST(sum(invoiced_q) AS DECIMAL(38, 12)) AS invoiced_q,
        CASE WHEN sum(logged_rows) = 0 THEN CAST(0 AS DECIMAL(38, 12))
             ELSE CAST(sum(rated) AS DECIMAL(38, 12)) END AS rated,
        CAST(coalesce(sum(rated_list), 0) AS DECIMAL(38, 12)) AS rated_list,
        sum(logged_rows) AS logged_rows,
        sum(unpriced_rows) AS unpriced_rows,
        sum(provisioned_rows) AS provisioned_rows,
        CAST(sum(invoiced) AS DECIMAL(38, 12)) AS invoiced,
        CAST(sum(invoiced_gross) AS DECIMAL(38, 12)) AS invoiced_gross,
        sum(usage_lines) AS usage_lines,
        sum(credit_lines) AS credit_lines,
        sum(other_lines) AS other_lines,
        bool_or(unit_flag) AS unit_flag,
        min(model_match) AS model_match
    FROM (SELECT * FROM logged UNION ALL BY NAME SELECT * FROM billed)
    GROUP BY usage_date, account_id, region, base_model, routing, tier, mode, charge, usage_type,
        line_item_type
),
measured AS (
    SELECT
        *,
        CAST(invoiced - coalesce(rated, 0) AS DECIMAL(38, 12)) AS delta,
        CAST(greatest(CAST($abs_tol AS DECIMAL(38, 12)),
                      abs(invoiced) * $pct_factor)
             AS DECIMAL(38, 12)) AS tol,
        -- quantities "agree" within the percent tolerance (no division: scale the other side)
        abs(invoiced_q - logged_q) <= greatest(invoiced_q, logged_q) * $pct_factor AS qty_agree,
        logged_q > 0 AND invoiced_q > 0 AND (
            abs(invoiced_q * 1000 - logged_q) <= logged_q * $pct_factor
            OR abs(invoiced_q - logged_q * 1000) <= invoiced_q * $pct_factor
        ) AS qty_x1000
    FROM bucket
),
decided AS (
    SELECT
        *,
        CASE
            WHEN line_item_type IS NOT NULL AND other_lines > 0 THEN 'tax_or_fee'
            WHEN line_item_type IS NOT NULL THEN 'discount_or_credit'
            WHEN usage_type IS NOT NULL THEN 'unmapped_usage_type'
            -- provisioned-throughput and imported-model tokens: the model-unit hours or the
            -- CMU minutes bill them (own row, non_token_charge); nothing per token is due, so
            -- no token price is needed either
            WHEN provisioned_rows > 0 AND usage_lines = 0 AND credit_lines = 0
                THEN 'provisioned_tokens'
            WHEN unpriced_rows > 0 THEN 'unpriced_usage'
            WHEN logged_rows = 0 AND usage_lines = 0 THEN 'discount_or_credit'
            WHEN logged_rows = 0 AND charge IN (SELECT charge FROM token_charges)
                THEN 'unlogged_usage'
            WHEN logged_rows = 0 THEN 'non_token_charge'
            WHEN usage_lines = 0 THEN 'unbilled_usage'
            -- a x1000 quantity disagreement is named even when the dollars agree
            WHEN unit_flag OR qty_x1000 THEN 'unit_mismatch'
            WHEN delta = 0 THEN NULL
            WHEN abs(delta) <= tol THEN 'rounding'
            WHEN (credit_lines > 0 OR invoiced <> invoiced_gross)
                 AND abs(invoiced_gross - rated_list) <= greatest(
                     CAST($abs_tol AS DECIMAL(38, 12)),
                     abs(invoiced_gross) * $pct_factor)
                THEN 'discount_or_credit'
            WHEN qty_agree THEN 'price_mismatch'
            WHEN invoiced_q > logged_q THEN 'unlogged_usage'
            ELSE 'unbilled_usage'
        END AS cause
    FROM measured
)
SELECT
    usage_date, account_id, region, base_model, routing, tier, mode, charge, usage_type,
    line_item_type,
    logged_q AS logged_quantity,
    invoiced_q AS invoiced_quantity,
    rated AS rated_cost_usd,
    rated_list AS rated_list_usd,
    invoiced AS invoiced_cost_usd,
    invoiced_gross AS invoiced_gross_usd,
    delta AS delta_usd,
    tol AS tolerance_usd,
    CASE WHEN cause IN ('unpriced_usage', 'unmapped_usage_type') OR abs(delta) > tol
         THEN 'gap' ELSE 'matched' END AS status,
    cause,
    -- one line, numbers and ids only: never text from a log record or an invoice description;
    -- dollar amounts in cents, or to 6 places below a cent (a $0.00 explanation says nothing)
    CASE cause
        WHEN 'tax_or_fee' THEN printf('%s line(s) not tied to a model: $%s',
            CAST(other_lines AS VARCHAR),
            CASE WHEN abs(invoiced) >= 0.01 THEN CAST(CAST(invoiced AS DECIMAL(38, 2)) AS VARCHAR)
                 ELSE CAST(CAST(invoiced AS DECIMAL(38, 6)) AS VARCHAR) END)
        WHEN 'unmapped_usage_type' THEN printf(
            'usage type %s has no model mapping: $%s billed, add it to the usage-type map%s',
            left(regexp_replace(usage_type, '[^A-Za-z0-9.:_/-]', '', 'g'), 100),
            CASE WHEN abs(invoiced) >= 0.01 THEN CAST(CAST(invoiced AS DECIMAL(38, 2)) AS VARCHAR)
                 ELSE CAST(CAST(invoiced AS DECIMAL(38, 6)) AS VARCHAR) END,
            -- names and model ids only, stripped to a safe alphabet
            CASE WHEN model_match IS NOT NULL THEN '; ' || left(regexp_replace(
                model_match, '[^A-Za-z0-9.:_/, ()+''\[\]-]', '', 'g'), 400) ELSE '' END)
        WHEN 'unpriced_usage' THEN printf(
            '%s of %s logged row(s) have no price: rated cost is incomplete, add a price',
            CAST(unpriced_rows AS VARCHAR), CAST(logged_rows AS VARCHAR))
        WHEN 'unlogged_usage' THEN printf(
            'billed %s more than logged (%s vs %s): traffic without logs (Region with logging '
            || 'off, Mantle, batch)', CAST(CAST(invoiced_q - logged_q AS DECIMAL(38, 0)) AS VARCHAR),
            CAST(CAST(invoiced_q AS DECIMAL(38, 0)) AS VARCHAR), CAST(logged_q AS VARCHAR))
        WHEN 'unbilled_usage' THEN printf(
            'logged %s, billed %s: not on the invoice yet (late CUR) or billed elsewhere',
            CAST(logged_q AS VARCHAR), CAST(CAST(invoiced_q AS DECIMAL(38, 0)) AS VARCHAR))
        WHEN 'provisioned_tokens' THEN CASE
            WHEN mode = 'custom_import' AND delta = 0 THEN printf(
                '%s token(s) sent to an imported model: billed by the Custom Model Unit minutes, '
                || 'not per token', CAST(logged_q AS VARCHAR))
            WHEN mode = 'custom_import' THEN printf(
                '%s imported-model token(s) rated at $%s: the Custom Model Unit minutes already '
                || 'bill them, drop the per-token price', CAST(logged_q AS VARCHAR),
                CASE WHEN abs(rated) >= 0.01 THEN CAST(CAST(rated AS DECIMAL(38, 2)) AS VARCHAR)
                     ELSE CAST(CAST(rated AS DECIMAL(38, 6)) AS VARCHAR) END)
            WHEN delta = 0 THEN printf(
                '%s token(s) sent through provisioned throughput: billed by the model-unit hours, '
                || 'not per token', CAST(logged_q AS VARCHAR))
            ELSE printf(
                '%s provisioned-throughput token(s) rated at $%s: the model-unit hours already '
                || 'bill them, drop the per-token price', CAST(logged_q AS VARCHAR),
                CASE WHEN abs(rated) >= 0.01 THEN CAST(CAST(rated AS DECIMAL(38, 2)) AS VARCHAR)
                     ELSE CAST(CAST(rated AS DECIMAL(38, 6)) AS VARCHAR) END) END
        WHEN 'non_token_charge' THEN printf(
            CASE WHEN charge IN (SELECT charge FROM vocab_charges WHERE NOT inference)
                 THEN '%s charge of $%s: not model inference, kept out of token reconciliation'
                 ELSE '%s charge of $%s with nothing logged to rate it against' END,
            coalesce(charge, 'other'),
            CASE WHEN abs(invoiced) >= 0.01 THEN CAST(CAST(invoiced AS DECIMAL(38, 2)) AS VARCHAR)
                 ELSE CAST(CAST(invoiced AS DECIMAL(38, 6)) AS VARCHAR) END)
        WHEN 'unit_mismatch' THEN printf(
            'invoiced quantity %s is ~1000x off logged %s: invoice unit misread',
            CAST(CAST(invoiced_q AS DECIMAL(38, 3)) AS VARCHAR), CAST(logged_q AS VARCHAR))
        WHEN 'discount_or_credit' THEN CASE
            WHEN usage_lines = 0 THEN printf(
                '%s credit or discount line(s) of $%s with no usage line in this bucket',
                CAST(credit_lines AS VARCHAR), CASE WHEN abs(invoiced) >= 0.01 THEN CAST(CAST(invoiced AS DECIMAL(38, 2)) AS VARCHAR)
                 ELSE CAST(CAST(invoiced AS DECIMAL(38, 6)) AS VARCHAR) END)
            ELSE printf('list cost agrees; discounts and credits change the bill by $%s',
                CASE WHEN abs(delta) >= 0.01 THEN CAST(CAST(delta AS DECIMAL(38, 2)) AS VARCHAR)
                 ELSE CAST(CAST(delta AS DECIMAL(38, 6)) AS VARCHAR) END) END
        WHEN 'price_mismatch' THEN printf(
            'quantities agree (%s logged) but invoiced $%s vs rated $%s: check the price book',
            CAST(logged_q AS VARCHAR), CASE WHEN abs(invoiced) >= 0.01 THEN CAST(CAST(invoiced AS DECIMAL(38, 2)) AS VARCHAR)
                 ELSE CAST(CAST(invoiced AS DECIMAL(38, 6)) AS VARCHAR) END,
            CASE WHEN abs(rated) >= 0.01 THEN CAST(CAST(rated AS DECIMAL(38, 2)) AS VARCHAR)
                 ELSE CAST(CAST(rated AS DECIMAL(38, 6)) AS VARCHAR) END)
        WHEN 'rounding' THEN printf('delta $%s is within the tolerance of $%s',
            CAST(CAST(delta AS DECIMAL(38, 6)) AS VARCHAR),
            CAST(CAST(tol AS DECIMAL(38, 6)) AS VARCHAR))
        ELSE 'logged and invoiced agree exactly'
    END AS explanation,
    $run_id AS run_id
FROM decided
