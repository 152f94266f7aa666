-- name: 0007_price_provenance
-- purpose: provenance for price-book and discount rows, so a reloaded file replaces its own rows
--   (origin) and every problem can point at a line; and the Price List SKUs an import could not map.

-- The file, URL or import a row came from; reloading the same origin replaces its rows.
ALTER TABLE prices ADD COLUMN origin VARCHAR;
-- 1-based line in `origin` (CSV files); NULL for Price List rows.
ALTER TABLE prices ADD COLUMN line_number BIGINT;
-- Why this price is what it is when it is not a plain list price (e.g. "assumption: ...").
ALTER TABLE prices ADD COLUMN note VARCHAR;

ALTER TABLE discounts ADD COLUMN origin VARCHAR;
ALTER TABLE discounts ADD COLUMN line_number BIGINT;

-- Price List SKUs an import saw but could not map to a price key (never matched by resemblance).
CREATE TABLE price_list_unmapped (
    origin        VARCHAR NOT NULL,   -- offer file/URL, or pricing-api:<ServiceCode>:<region>
    service_code  VARCHAR,
    sku           VARCHAR NOT NULL,
    region_code   VARCHAR,
    usage_type    VARCHAR,
    reason        VARCHAR NOT NULL,
    run_id        VARCHAR NOT NULL
);
