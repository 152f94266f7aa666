-- name: 0020_model_id_tried_at
-- purpose: When the resolve stage last asked the Bedrock API about a model id it could not
--   resolve. An id whose lookup failed is asked again only after `model_id_retry_minutes`
--   (reconciler.toml, default 60): a backfill of 30 windows, or a scheduler re-running a failed
--   nightly job, then asks once instead of once per run, and a re-run with nothing new imports no
--   AWS SDK at all (docs/model-ids.md, docs/performance.md). NULL: never asked since this column
--   existed (asked on the next run). Not part of any digest: a retry that changes nothing else
--   is not a change of the id's resolution.
ALTER TABLE model_ids ADD COLUMN tried_at TIMESTAMP;
