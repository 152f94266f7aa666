"""The CONTRACT's vocabularies, defined once (CONTRACT.md "Vocabularies"; docs/views.md).

Every stage that validates or writes a `charge`, `mode` or `tier` uses these, so a new charge is
added in one place and the price-book validator, the usage-type parser and the views agree.
"""

from __future__ import annotations

__all__ = ["CHARGES", "MODES", "TIERS"]

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
