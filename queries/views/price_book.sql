-- name: price_book
-- purpose: The effective price book: for every price key, the date ranges in which one price
--   applies, with layer precedence resolved (overlay > price_list > bundled: where layers price the
--   same key on the same date, the higher layer's row is the one listed). Keys may hold '*' (any)
--   in base_model, region, routing and tier, and routing 'regional' (matches in_region and geo).
--   To price a usage key on a date, take the matching rows (base_model and region equal or '*';
--   routing equal, '*', or 'regional' for in_region/geo usage; tier equal or '*'; mode, charge and
--   context_tier equal; effective_from <= date < effective_to) and keep the one with the lowest
--   `precedence`: layer first, then the most specific key (an exact model beats '*', then an exact
--   region, then an exact routing over 'regional' over '*', then an exact tier). The table macro
--   price_at(model, region, routing, tier, mode, charge, context_tier, date) does exactly this.
-- grain: one row per price key (base_model, region, routing, tier, mode, charge, context_tier) and
--   non-overlapping date range [effective_from, effective_to)
-- column base_model: base model id as AWS spells it, or '*'
-- column region: AWS Region code where the call was made (source Region), or '*'
-- column routing: in_region | geo | global | regional (in_region or geo) | '*'
-- column tier: standard | priority | flex | '*'
-- column mode: on_demand | batch | provisioned | custom_import
-- column charge: charge vocabulary (input_tokens, output_tokens, cache_read_input_tokens, ...)
-- column context_tier: standard | long (requests above the model's long-context threshold)
-- column effective_from: first UTC date this row applies (inclusive)
-- column effective_to: first UTC date it no longer applies (exclusive); NULL = open
-- column unit: what price_usd is per: token | 1K tokens | 1M tokens | image | hour | minute | month | 1K units
-- column unit_factor: base quantities per unit, inverted (1M tokens -> 0.000001): cost = quantity * price_usd * unit_factor
-- column price_usd: USD per unit, DECIMAL(38,12)
-- column price_id: stable id of the price entry (content hash of layer, key, unit, price and dates)
-- column layer: overlay | price_list | bundled
-- column source: where the price came from (URL, SKU or the overlay's source column)
-- column checked: when a human last checked the price against AWS; NULL = not checked (see note)
-- column note: why the price is what it is when it is not a plain list price ("assumption: ...")
-- column specificity: how specific the key is (model 32, region 16, routing exact 8 / regional 4, tier 2)
-- column precedence: lower wins among matching rows: 100 x layer rank (overlay 1, price_list 2, bundled 3) - specificity
CREATE OR REPLACE VIEW price_book AS
WITH ranked AS (
    -- layer precedence: vocab_price_layers (schema 0017_vocabulary); a layer it does not name
    -- ranks last
    SELECT p.*,
           CAST(coalesce(v.rank, (SELECT max(rank) FROM vocab_price_layers)) AS INTEGER)
               AS layer_rank
    FROM prices p
    LEFT JOIN vocab_price_layers AS v USING (layer)
),
bounds AS (
    SELECT base_model, region, routing, tier, mode, charge, context_tier, effective_from AS d
    FROM ranked
    UNION
    SELECT base_model, region, routing, tier, mode, charge, context_tier, effective_to
    FROM ranked WHERE effective_to IS NOT NULL
),
segments AS (
    SELECT *, lead(d) OVER (
        PARTITION BY base_model, region, routing, tier, mode, charge, context_tier ORDER BY d
    ) AS d_to
    FROM bounds
),
winners AS (
    SELECT s.base_model, s.region, s.routing, s.tier, s.mode, s.charge, s.context_tier,
           s.d AS seg_from, s.d_to AS seg_to, r.unit, r.unit_factor, r.price_usd, r.price_id,
           r.layer, r.layer_rank, r.source, r.checked, r.note
    FROM segments s
    JOIN ranked r
      ON r.base_model = s.base_model AND r.region = s.region AND r.routing = s.routing
     AND r.tier = s.tier AND r.mode = s.mode AND r.charge = s.charge
     AND r.context_tier = s.context_tier
     AND r.effective_from <= s.d
     AND (r.effective_to IS NULL OR (s.d_to IS NOT NULL AND r.effective_to >= s.d_to))
    QUALIFY row_number() OVER (
        PARTITION BY s.base_model, s.region, s.routing, s.tier, s.mode, s.charge,
                     s.context_tier, s.d
        ORDER BY r.layer_rank, r.price_id
    ) = 1
),
islands AS (
    SELECT *,
           CASE WHEN lag(price_id) OVER w = price_id AND lag(seg_to) OVER w = seg_from
                THEN 0 ELSE 1 END AS starts_island
    FROM winners
    WINDOW w AS (
        PARTITION BY base_model, region, routing, tier, mode, charge, context_tier
        ORDER BY seg_from
    )
),
numbered AS (
    SELECT *,
           sum(starts_island) OVER (
               PARTITION BY base_model, region, routing, tier, mode, charge, context_tier
               ORDER BY seg_from
           ) AS island
    FROM islands
),
merged AS (
    SELECT base_model, region, routing, tier, mode, charge, context_tier,
           min(seg_from) AS effective_from,
           CASE WHEN bool_or(seg_to IS NULL) THEN NULL ELSE max(seg_to) END AS effective_to,
           any_value(unit) AS unit, any_value(unit_factor) AS unit_factor,
           any_value(price_usd) AS price_usd, price_id, any_value(layer) AS layer,
           any_value(layer_rank) AS layer_rank, any_value(source) AS source,
           any_value(checked) AS checked, any_value(note) AS note
    FROM numbered
    GROUP BY base_model, region, routing, tier, mode, charge, context_tier, island, price_id
),
scored AS (
    SELECT *,
           CAST(CASE WHEN base_model <> '*' THEN 32 ELSE 0 END
                + CASE WHEN region <> '*' THEN 16 ELSE 0 END
                + CASE routing WHEN '*' THEN 0 WHEN 'regional' THEN 4 ELSE 8 END
                + CASE WHEN tier <> '*' THEN 2 ELSE 0 END AS INTEGER) AS specificity
    FROM merged
)
SELECT base_model, region, routing, tier, mode, charge, context_tier,
       effective_from, effective_to, unit, unit_factor, price_usd, price_id, layer, source,
       checked, note, specificity,
       CAST(layer_rank * 100 - specificity AS INTEGER) AS precedence
FROM scored;

-- The matching rules a price row and a usage key share, defined once for rating
-- (queries/stages/rate.sql) and the what-if re-pricing (queries/whatif/reprice.sql). Macros are
-- expanded where they are used, so a query that calls them plans as if it spelled them out.
-- A price's routing matches the usage's: equal, '*', or 'regional' for in_region and geo usage.
CREATE OR REPLACE MACRO routing_matches(price_routing, usage_routing) AS
    price_routing IN (usage_routing, '*')
    OR (price_routing = 'regional' AND usage_routing IN ('in_region', 'geo'));

-- The kind of quantity a price unit prices: token prices for tokens, image prices for images.
CREATE OR REPLACE MACRO price_unit_kind(price_unit) AS
    CASE WHEN price_unit IN ('token', '1K tokens', '1M tokens') THEN 'token'
         WHEN price_unit = 'image' THEN 'image' ELSE price_unit END;

-- A row effective on day: effective_from <= day < effective_to (NULL = open).
CREATE OR REPLACE MACRO in_effect(from_day, to_day, on_day) AS
    from_day <= on_day AND (to_day IS NULL OR on_day < to_day);

-- The routing an invoice line can tell apart (reconciliation and allocation buckets): in_region
-- and geo usage bill under one regional rate.
CREATE OR REPLACE MACRO billed_routing(usage_routing) AS
    CASE WHEN usage_routing IN ('in_region', 'geo') THEN 'regional' ELSE usage_routing END;

-- after the macros it uses
CREATE OR REPLACE MACRO price_at(
    at_model, at_region, at_routing, at_tier, at_mode, at_charge, at_context_tier, at_date
) AS TABLE
SELECT *
FROM price_book pb
WHERE pb.base_model IN (at_model, '*')
  AND pb.region IN (at_region, '*')
  AND routing_matches(pb.routing, at_routing)
  AND pb.tier IN (at_tier, '*')
  AND pb.mode = at_mode AND pb.charge = at_charge AND pb.context_tier = at_context_tier
  AND in_effect(pb.effective_from, pb.effective_to, at_date)
ORDER BY pb.precedence
LIMIT 1;

-- A digest of the whole prices table (row count plus an XOR of row hashes, load times left out):
-- the window fingerprint (queries/stages/window_fingerprint.sql) and the what-if inputs key
-- (queries/whatif/inputs_key.sql) both depend on every price, so they share this one definition.
CREATE OR REPLACE MACRO prices_digest() AS (
    SELECT count(*) || ':' || coalesce(bit_xor(hash(
               price_id, base_model, region, routing, tier, mode, charge, context_tier, unit,
               unit_factor, price_usd, effective_from, effective_to, layer)), 0)
    FROM prices
);
