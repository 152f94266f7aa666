"""The CONTRACT's vocabularies, defined once (CONTRACT.md "Vocabularies"; docs/views.md).

Every stage that validates or writes a `charge`, `mode` or `tier` uses these, so a new charge is
added in one place and the price-book validator, the usage-type parser and the views agree.

The SQL reads the same vocabularies from the ``vocabulary`` table (views ``vocab_charges``,
``vocab_modes``, ``vocab_tiers``, ``vocab_causes``, ``vocab_price_layers``) that migration
``0017_vocabulary.sql`` creates and fills with exactly these values; the SQL joins them instead of
listing values, and ``tests/core/test_vocabulary_tables.py`` fails when this module and the table
disagree (a change here is a new migration that updates the rows).
"""

from __future__ import annotations

__all__ = [
    "CAPACITY_MODES",
    "CAUSES",
    "CHARGES",
    "MODES",
    "NON_INFERENCE_CHARGES",
    "PRICE_LAYERS",
    "REQUEST_CHARGES",
    "TIERS",
    "TOKEN_CHARGES",
]

CHARGES = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
    "cache_write_1h_input_tokens",
    "images",
    "model_unit_hours",
    "custom_model_unit_minutes",
    "training_tokens",
    "storage_months",
    "guardrail_text_units",
    "other",
    "agentcore_usage",
    "knowledge_base_usage",
    "model_unit_hours_1_month",
    "model_unit_hours_6_months",
)
"""What a quantity is: a token class, images, provisioned hours, ... (`other`: known to be
Bedrock, not yet one of these). `agentcore_usage` (AgentCore runtime vCPU/memory, gateway ...)
and `knowledge_base_usage` (Knowledge Base retrieval) are Bedrock charges that are not model
inference: never matched to tokens. In the price book, `model_unit_hours` is the no-commitment
hourly model-unit price of provisioned throughput and `model_unit_hours_1_month` /
`model_unit_hours_6_months` the prices with a 1- or 6-month commitment (the commitment term);
invoices bill every term as `model_unit_hours`."""

MODES = ("on_demand", "batch", "provisioned", "custom_import")
TIERS = ("standard", "priority", "flex")

TOKEN_CHARGES = (
    "input_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
    "cache_write_1h_input_tokens",
    "output_tokens",
)
"""The token classes, in the order a request's charges are counted (see REQUEST_CHARGES).
``cache_write_input_tokens`` is the 5-minute part of the cache writes, ``..._1h_...`` the 1-hour."""

REQUEST_CHARGES = (*TOKEN_CHARGES, "images")
"""Every charge one request can produce, in order: a request's ``requests_counted`` goes to the
first non-zero one, so that sum(requests_counted) counts each request once."""

NON_INFERENCE_CHARGES = ("agentcore_usage", "knowledge_base_usage")
"""Bedrock charges that are not model inference: never matched to tokens."""

CAPACITY_MODES = ("provisioned", "custom_import")
"""Modes whose tokens are billed by capacity (model-unit hours, Custom Model Unit minutes), never
per token: their token buckets are covered by the capacity charge."""

CAUSES = (
    "unlogged_usage",
    "unbilled_usage",
    "unpriced_usage",
    "unmapped_usage_type",
    "unit_mismatch",
    "price_mismatch",
    "non_token_charge",
    "provisioned_tokens",
    "discount_or_credit",
    "tax_or_fee",
    "rounding",
)
"""The reconciliation causes, in bill-bridge order (docs/reconciliation.md explains each)."""

PRICE_LAYERS = ("overlay", "price_list", "bundled")
"""Price-book layers in precedence order: an overlay beats an imported Price List row beats the
bundled book."""
