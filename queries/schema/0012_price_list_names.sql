-- name: 0012_price_list_names
-- purpose: what each AWS Price List SKU says about the model it bills, with provenance: the
--   usage type, the model display name, inference type, feature, Region and tier as the Price List
--   gives them, and the model id they were matched to (or why not). `reconciler prices import`
--   replaces an origin's rows on every import; the mappings it learned go to billing_name_map
--   (0011), which the invoice mapping reads. See docs/pricebook.md "Names from the Price List".
CREATE TABLE IF NOT EXISTS price_list_names (
    origin          VARCHAR NOT NULL,   -- offer file/URL or pricing-api:<regions>
    service_code    VARCHAR NOT NULL,   -- AmazonBedrock | AmazonBedrockService | AmazonBedrockFoundationModels
    sku             VARCHAR NOT NULL,
    effective_date  DATE,               -- the OnDemand term's effectiveDate
    region_code     VARCHAR,
    usage_type      VARCHAR,
    model_name      VARCHAR,            -- display name: attribute model / titanModel / servicename
    inference_type  VARCHAR,            -- attribute inferenceType ("Input tokens")
    feature         VARCHAR,            -- attribute feature ("Batch Inference")
    service_tier    VARCHAR,            -- attribute service_tier (mantle SKUs)
    base_model      VARCHAR,            -- NULL when no single model id matched
    match_status    VARCHAR NOT NULL,   -- matched | table | ambiguous | missing | no_candidates | no_name
    match_stage     VARCHAR,            -- mantle | join_key | NULL (table)
    candidates      VARCHAR,            -- the tied ids (ambiguous) or every id considered (missing)
    run_id          VARCHAR NOT NULL,
    PRIMARY KEY (origin, sku)
);
