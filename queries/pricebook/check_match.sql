-- name: check_match
-- purpose: price_at for many keys at once (view new_rows: idx and the usage key), with the same
--   matching and precedence as queries/views/price_book.sql: the book's price for each key of a
--   public price source on $on_date.
-- grain: one row per key (idx)
SELECT k.idx, pb.price_usd, pb.unit, pb.layer, pb.source
FROM new_rows AS k
LEFT JOIN price_book AS pb
    ON pb.base_model IN (k.base_model, '*')
    AND pb.region IN (k.region, '*')
    AND (pb.routing IN (k.routing, '*')
        OR (pb.routing = 'regional' AND k.routing IN ('in_region', 'geo')))
    AND pb.tier IN (k.tier, '*')
    AND pb.mode = k.mode AND pb.charge = k.charge AND pb.context_tier = k.context_tier
    AND pb.effective_from <= $on_date
    AND (pb.effective_to IS NULL OR $on_date < pb.effective_to)
QUALIFY row_number() OVER (PARTITION BY k.idx ORDER BY pb.precedence) = 1
