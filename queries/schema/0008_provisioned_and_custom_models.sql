-- name: 0008_provisioned_and_custom_models
-- purpose: what the resolver learns about Provisioned Throughput and custom models from the
--   Bedrock control plane, kept on the model_ids row of the logged ARN (NULL for every other
--   kind, and for rows resolved from the mapping file). The hourly Provisioned Throughput charge
--   is model_units x the hourly rate of (base_model, commitment_duration).
ALTER TABLE model_ids ADD COLUMN model_units INTEGER;            -- GetProvisionedModelThroughput modelUnits
ALTER TABLE model_ids ADD COLUMN commitment_duration VARCHAR;    -- OneMonth | SixMonths | NoCommitment
ALTER TABLE model_ids ADD COLUMN commitment_expires_at TIMESTAMP; -- commitmentExpirationTime, UTC
ALTER TABLE model_ids ADD COLUMN source_model_arn VARCHAR;       -- custom model behind a PT or deployment
