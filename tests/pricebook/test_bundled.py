"""The bundled book: coverage of formats.md §5.12 and completeness per token class."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from reconciler.pricebook import bundled_entries

SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
TABLE_MODELS = {  # formats.md §5.12
    "amazon.nova-micro-v1:0",
    "amazon.nova-lite-v1:0",
    "amazon.nova-pro-v1:0",
    "amazon.titan-embed-text-v2:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "anthropic.claude-3-5-haiku-20241022-v1:0",
    "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "anthropic.claude-3-7-sonnet-20250219-v1:0",
    "anthropic.claude-sonnet-4-20250514-v1:0",
    SONNET45,
    HAIKU45,
    "meta.llama3-3-70b-instruct-v1:0",
    "meta.llama3-1-8b-instruct-v1:0",
    "mistral.mistral-large-2407-v1:0",
}
# eu-west-1 prices we have no source for are deliberately absent (unpriced, never us-east-1).
EU_WEST_1_LEFT_OUT = {
    "amazon.nova-lite-v1:0",
    "amazon.nova-pro-v1:0",
    "amazon.titan-embed-text-v2:0",
    "anthropic.claude-3-5-haiku-20241022-v1:0",
    "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "meta.llama3-3-70b-instruct-v1:0",
    "meta.llama3-1-8b-instruct-v1:0",
    "mistral.mistral-large-2407-v1:0",
}
EMBEDDING_OR_IMAGE = {"amazon.titan-embed-text-v2:0", "amazon.nova-canvas-v1:0"}


def index():
    book = defaultdict(dict)
    for e in bundled_entries():
        k = e.key
        book[(k.base_model, k.region, k.routing, k.tier, k.mode, k.context_tier)][k.charge] = e
    return book


def reviewed():
    return [e for e in bundled_entries() if e.origin == "bundled:bedrock.csv"]


def test_every_entry_has_source_and_unit_and_assumptions_are_marked():
    for e in reviewed():
        assert e.source.startswith("https://"), e
        assert e.layer == "bundled"
        assert e.checked is not None or e.note.startswith(("assumption", "UNCONFIRMED")), e
    generated = [e for e in bundled_entries() if e.origin == "bundled:public-sources.csv"]
    assert len(generated) > 2000
    for e in generated:  # not checked by a human: the note says where it came from
        assert e.source == "https://pypi.org/project/litellm/1.110.2/", e
        assert e.checked is None
        assert e.note.startswith(("generated: LiteLLM 1.110.2 key ", "assumption: in-Region")), e
    us_west = [e for e in reviewed() if e.key.region == "us-west-2"]
    assert us_west
    assert all(e.note.startswith("assumption") for e in us_west)


def test_table_models_are_covered_in_the_three_regions():
    models_by_region = defaultdict(set)
    for e in reviewed():
        models_by_region[e.key.region].add(e.key.base_model)
    assert models_by_region["us-east-1"] >= TABLE_MODELS
    assert models_by_region["us-west-2"] >= TABLE_MODELS
    assert models_by_region["eu-west-1"] == TABLE_MODELS - EU_WEST_1_LEFT_OUT


def test_every_input_price_has_an_output_price_unless_embedding_or_image():
    for key, charges in index().items():
        if "input_tokens" in charges and key[0] not in EMBEDDING_OR_IMAGE:
            assert "output_tokens" in charges, key


def test_every_claude_45_on_demand_entry_has_cache_read_and_both_writes():
    for key, charges in index().items():
        model, _, _, _, mode, context_tier = key
        if model in (SONNET45, HAIKU45) and mode == "on_demand":
            assert "cache_read_input_tokens" in charges, key
            assert "cache_write_input_tokens" in charges, key
            if context_tier == "standard":
                assert "cache_write_1h_input_tokens" in charges, key


def test_claude_45_routing_prices_are_explicit_and_regional_is_110_percent_of_global():
    book = index()
    for model in (SONNET45, HAIKU45):
        for region in ("us-east-1", "us-west-2", "eu-west-1"):
            glob = book[(model, region, "global", "standard", "on_demand", "standard")]
            for routing in ("geo", "in_region"):
                reg = book[(model, region, routing, "standard", "on_demand", "standard")]
                assert set(reg) == set(glob)
                for charge, entry in glob.items():
                    assert reg[charge].price_usd == entry.price_usd * Decimal("1.10"), charge
    in_region = book[(SONNET45, "us-east-1", "in_region", "standard", "on_demand", "standard")]
    assert "field-notes item 10" in in_region["input_tokens"].note


def test_spot_prices_from_the_reference_table():
    book = index()
    per_m = {  # (model, region, routing, tier, mode, context_tier, charge) -> USD per 1M
        (
            SONNET45,
            "us-east-1",
            "global",
            "standard",
            "on_demand",
            "standard",
            "input_tokens",
        ): "3.00",
        (
            SONNET45,
            "us-east-1",
            "geo",
            "standard",
            "on_demand",
            "standard",
            "output_tokens",
        ): "16.50",
        (
            SONNET45,
            "us-east-1",
            "geo",
            "standard",
            "on_demand",
            "standard",
            "cache_write_input_tokens",
        ): "4.125",
        (
            SONNET45,
            "us-east-1",
            "global",
            "standard",
            "on_demand",
            "standard",
            "cache_write_1h_input_tokens",
        ): "6.00",
        (SONNET45, "us-east-1", "global", "standard", "on_demand", "long", "input_tokens"): "6.00",
        (
            SONNET45,
            "us-east-1",
            "global",
            "standard",
            "on_demand",
            "long",
            "output_tokens",
        ): "22.50",
        (
            SONNET45,
            "us-east-1",
            "global",
            "standard",
            "on_demand",
            "long",
            "cache_write_input_tokens",
        ): "7.50",
        (
            SONNET45,
            "us-east-1",
            "global",
            "standard",
            "on_demand",
            "long",
            "cache_read_input_tokens",
        ): "0.60",
        (SONNET45, "us-east-1", "global", "standard", "batch", "standard", "input_tokens"): "1.50",
        (
            "anthropic.claude-sonnet-4-20250514-v1:0",
            "us-east-1",
            "*",
            "standard",
            "on_demand",
            "long",
            "output_tokens",
        ): "22.50",
        (
            HAIKU45,
            "us-east-1",
            "in_region",
            "standard",
            "on_demand",
            "standard",
            "cache_read_input_tokens",
        ): "0.11",
        (
            "amazon.nova-micro-v1:0",
            "eu-west-1",
            "*",
            "standard",
            "on_demand",
            "standard",
            "input_tokens",
        ): "0.046",
        (
            "amazon.nova-micro-v1:0",
            "eu-west-1",
            "*",
            "standard",
            "on_demand",
            "standard",
            "output_tokens",
        ): "0.184",
        (
            "amazon.nova-micro-v1:0",
            "us-east-1",
            "*",
            "standard",
            "on_demand",
            "standard",
            "cache_write_input_tokens",
        ): "0.035",  # was 0: Nova cache writes bill at the input rate (issue 9, reference §4)
        (
            "amazon.nova-pro-v1:0",
            "us-east-1",
            "*",
            "priority",
            "on_demand",
            "standard",
            "output_tokens",
        ): "5.60",
        (
            "amazon.nova-pro-v1:0",
            "us-east-1",
            "*",
            "flex",
            "on_demand",
            "standard",
            "input_tokens",
        ): "0.40",
        (
            "amazon.titan-embed-text-v2:0",
            "us-east-1",
            "*",
            "standard",
            "on_demand",
            "standard",
            "input_tokens",
        ): "0.02",
        (
            "meta.llama3-3-70b-instruct-v1:0",
            "us-east-1",
            "*",
            "standard",
            "batch",
            "standard",
            "output_tokens",
        ): "0.36",
    }
    for (*key, charge), price in per_m.items():
        entry = book[tuple(key)][charge]
        assert entry.unit == "1M tokens"
        assert entry.price_usd == Decimal(price), (key, charge)
    canvas = book[
        ("amazon.nova-canvas-v1:0", "us-east-1", "*", "standard", "on_demand", "standard")
    ]
    assert (canvas["images"].unit, canvas["images"].price_usd) == ("image", Decimal("0.04"))
