"""The generator of the broad bundled book, on small hand-made LiteLLM / genai-prices sources."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from reconciler.core.errors import SourceError
from reconciler.pricebook.csvfile import parse_price_csv
from reconciler.pricebook.entries import PriceEntry, PriceKey
from reconciler.pricebook.generate import generate, main, placements, render
from reconciler.pricebook.public_sources import (
    PublicSource,
    genai_prices,
    litellm_prices,
    read_source,
)

LITELLM = {
    "sample_spec": {"litellm_provider": "bedrock"},  # not a model
    # Region key -> in_region in that Region; floats as LiteLLM writes them
    "bedrock/eu-west-1/meta.llama3-70b-instruct-v1:0": {
        "litellm_provider": "bedrock",
        "input_cost_per_token": 2.86e-06,
        "output_cost_per_token": 3.78e-06,
    },
    "bedrock/eu-west-1/1-month-commitment/meta.llama3-70b-instruct-v1:0": {
        "litellm_provider": "bedrock",
        "input_cost_per_second": 0.01,
    },
    # bare id of a model without a global key -> us-east-1 in_region
    "amazon.nova-lite-v1:0": {
        "litellm_provider": "bedrock_converse",
        "input_cost_per_token": 6e-08,
        "output_cost_per_token": 2.4e-07,
        "input_cost_per_token_batches": 3e-08,
        "cache_read_input_token_cost": 1.5e-08,
    },
    "eu.amazon.nova-lite-v1:0": {
        "litellm_provider": "bedrock_converse",
        "input_cost_per_token": 7.8e-08,
    },
    # a global-capable model: the bare key carries the global rate and is NOT used
    "anthropic.claude-opus-4-6-v1": {
        "litellm_provider": "bedrock_converse",
        "input_cost_per_token": 5e-06,
    },
    "global.anthropic.claude-opus-4-6-v1": {
        "litellm_provider": "bedrock_converse",
        "input_cost_per_token": 5e-06,
        "cache_creation_input_token_cost": 6.25e-06,
        "cache_creation_input_token_cost_above_1hr": 1e-05,
        "input_cost_per_token_above_200k_tokens": 1e-05,
        "input_cost_per_token_above_272k_tokens": 9e-06,  # no key for a 272K tier: dropped
        "input_cost_per_token_flex": 2.5e-06,
    },
    "us.anthropic.claude-opus-4-6-v1": {
        "litellm_provider": "bedrock_converse",
        "input_cost_per_token": 5.5e-06,
    },
    # two geo keys for ap-northeast-1 that disagree -> a doubt, no row
    "apac.amazon.nova-micro-v1:0": {"litellm_provider": "bedrock", "input_cost_per_token": 3.7e-08},
    "jp.amazon.nova-micro-v1:0": {"litellm_provider": "bedrock", "input_cost_per_token": 3.8e-08},
    "us-gov.amazon.nova-micro-v1:0": {"litellm_provider": "bedrock", "input_cost_per_token": 1e-07},
    "bedrock_mantle/openai.gpt-oss-120b": {
        "litellm_provider": "bedrock_mantle",
        "input_cost_per_token": 1.5e-07,
    },
    "openai/gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06},
}

GENAI_PY = """
from decimal import Decimal
providers = [
    Provider(id='openai', models=[ModelInfo(id='gpt-4o', prices=ModelPrice(input_mtok=Decimal('9')))]),
    Provider(
        id='aws',
        models=[
            ModelInfo(id='amazon.nova-lite-v1:0', name='Nova Lite',
                      prices=ModelPrice(input_mtok=Decimal('0.06'), output_mtok=Decimal('0.25'))),
            ModelInfo(id='amazon.nova-pro-v1:0', prices=[ConditionalPrice(prices=ModelPrice())]),
            ModelInfo(id='anthropic.claude-opus-4-6-v1', prices=ModelPrice(input_mtok=Decimal('5'))),
            ModelInfo(id='regional.anthropic.claude-opus-4-6-v1',
                      prices=ModelPrice(input_mtok=Decimal('5.5'))),
        ],
    ),
]
"""


def _key(model, region, routing, charge, tier="standard", mode="on_demand", ctx="standard"):
    return PriceKey(model, region, routing, tier, mode, charge, ctx)


def test_litellm_floats_become_exact_prices_per_million_in_our_vocabulary():
    prices, skipped = litellm_prices(LITELLM)
    got = {(p.source_key, p.charge, p.mode, p.tier, p.context_tier): p.price_usd for p in prices}
    nova = "amazon.nova-lite-v1:0"
    opus = "global.anthropic.claude-opus-4-6-v1"
    assert got[(nova, "input_tokens", "on_demand", "standard", "standard")] == Decimal("0.06")
    assert got[(nova, "input_tokens", "batch", "standard", "standard")] == Decimal("0.03")
    assert got[(nova, "cache_read_input_tokens", "on_demand", "standard", "standard")] == Decimal(
        "0.015"
    )
    assert got[(opus, "cache_write_input_tokens", "on_demand", "standard", "standard")] == Decimal(
        "6.25"
    )
    assert got[
        (opus, "cache_write_1h_input_tokens", "on_demand", "standard", "standard")
    ] == Decimal("10")
    assert got[(opus, "input_tokens", "on_demand", "standard", "long")] == Decimal("10")
    assert got[(opus, "input_tokens", "on_demand", "flex", "standard")] == Decimal("2.5")
    llama = "bedrock/eu-west-1/meta.llama3-70b-instruct-v1:0"
    assert got[(llama, "input_tokens", "on_demand", "standard", "standard")] == Decimal("2.86")
    # 272K tier, commitments, us-gov, Mantle and other providers are not read
    assert len([p for p in prices if p.source_key == opus and p.charge == "input_tokens"]) == 3
    keys = {p.source_key for p in prices}
    assert not any("commitment" in k or "us-gov" in k or "mantle" in k for k in keys)
    assert skipped == 3  # commitment, us-gov profile, mantle (sample_spec and openai: not Bedrock)


def test_genai_prices_is_parsed_as_a_tree_never_executed():
    prices, skipped = genai_prices(GENAI_PY)
    opus = "anthropic.claude-opus-4-6-v1"
    assert {(p.base_model, p.charge, p.price_usd, p.scope) for p in prices} == {
        ("amazon.nova-lite-v1:0", "input_tokens", Decimal("0.06"), "region_blind"),
        ("amazon.nova-lite-v1:0", "output_tokens", Decimal("0.25"), "region_blind"),
        (opus, "input_tokens", Decimal("5"), "region_blind"),
        (opus, "input_tokens", Decimal("5.5"), "region_blind_regional"),
    }
    assert skipped == 1  # the conditional price list
    # region-blind: us-east-1 only; a model with a regional.<id> price has its plain id as global
    source = PublicSource("genai-prices", "0", "https://x/", tuple(prices), skipped)
    placed = {
        (k.base_model, k.region, k.routing): c[0][0].price_usd
        for k, c in placements(source).items()
        if k.charge == "input_tokens"
    }
    assert placed == {
        ("amazon.nova-lite-v1:0", "us-east-1", "in_region"): Decimal("0.06"),
        (opus, "us-east-1", "global"): Decimal("5"),
        (opus, "us-east-1", "in_region"): Decimal("5.5"),
        (opus, "us-east-1", "geo"): Decimal("5.5"),
    }


def _sources():
    lp, ls = litellm_prices(LITELLM)
    gp, gs = genai_prices(GENAI_PY)
    return (
        PublicSource("litellm", "9.9.9", "https://pypi.org/project/litellm/9.9.9/", tuple(lp), ls),
        PublicSource("genai-prices", "0.0.1", "https://x/", tuple(gp), gs),
    )


def test_rows_are_placed_only_where_their_key_says_and_reviewed_rows_win():
    litellm, genai = _sources()
    reviewed = [  # the reviewed book prices Nova Lite output everywhere in us-east-1
        PriceEntry(
            key=_key("amazon.nova-lite-v1:0", "us-east-1", "*", "output_tokens"),
            unit="1M tokens",
            price_usd=Decimal("0.24"),
            effective_from=date(2024, 1, 1),
            effective_to=None,
            layer="bundled",
            source="https://aws.amazon.com/bedrock/pricing/",
        )
    ]
    rows, doubts = generate(litellm, genai, reviewed)
    book = {r.key: r for r in rows}
    nova, opus = "amazon.nova-lite-v1:0", "anthropic.claude-opus-4-6-v1"
    llama = "meta.llama3-70b-instruct-v1:0"
    # bare Nova key -> us-east-1 in_region only; genai-prices agrees on input, not output
    inp = book[_key(nova, "us-east-1", "in_region", "input_tokens")]
    assert inp.price_usd == Decimal("0.06")
    assert inp.note.endswith("genai-prices 0.0.1 agrees")
    assert _key(nova, "us-east-1", "in_region", "output_tokens") not in book  # reviewed wins
    assert _key(nova, "us-west-2", "in_region", "input_tokens") not in book
    # eu. profile -> geo in the two EU Regions, never in_region for a model with no global key
    assert book[_key(nova, "eu-west-1", "geo", "input_tokens")].price_usd == Decimal("0.078")
    assert book[_key(nova, "eu-central-1", "geo", "input_tokens")].price_usd == Decimal("0.078")
    assert _key(nova, "eu-west-1", "in_region", "input_tokens") not in book
    # Region key
    assert book[_key(llama, "eu-west-1", "in_region", "input_tokens")].price_usd == Decimal("2.86")
    assert _key(llama, "us-east-1", "in_region", "input_tokens") not in book
    # global-capable Opus: global rows in all five Regions, geo 5.5 in the US, in-Region = geo
    for region in ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"):
        assert book[_key(opus, region, "global", "input_tokens")].price_usd == Decimal("5")
    in_region = book[_key(opus, "us-east-1", "in_region", "input_tokens")]
    assert in_region.price_usd == Decimal("5.5")  # not the bare key's 5 (litellm#42679)
    assert in_region.note.startswith("assumption: in-Region calls bill at the geo rate")
    assert in_region.note.endswith("genai-prices 0.0.1 agrees")  # its regional.<id> price
    assert _key(opus, "eu-west-1", "in_region", "input_tokens") not in book
    assert book[_key(opus, "us-east-1", "global", "input_tokens", ctx="long")].price_usd == 10
    # apac. 0.037 vs jp. 0.038 for ap-northeast-1: left out and listed
    assert _key("amazon.nova-micro-v1:0", "ap-northeast-1", "geo", "input_tokens") not in book
    assert len(doubts) == 1
    assert "apac.amazon.nova-micro-v1:0=0.037" in doubts[0]
    assert "jp.amazon.nova-micro-v1:0=0.038" in doubts[0]


def test_render_is_deterministic_and_valid_price_csv():
    litellm, genai = _sources()
    rows, doubts = generate(litellm, genai, [])
    text = render(rows, doubts, litellm, genai)
    assert text == render(*generate(*_sources(), []), litellm, genai)
    entries, problems = parse_price_csv(text, "gen.csv", "bundled")
    assert problems == []
    assert len(entries) == len(rows) == len(list(csv.reader(io.StringIO(text)))) - 4
    assert "# doubt, left out: model=amazon.nova-micro-v1:0" in text


def test_main_reads_wheels_as_zip_files_and_check_mode(tmp_path):
    lit = tmp_path / "litellm-9.9.9-cp310-abi3-manylinux_2_28_x86_64.whl"
    with zipfile.ZipFile(lit, "w") as zf:
        zf.writestr("litellm/model_prices_and_context_window_backup.json", json.dumps(LITELLM))
    gen = tmp_path / "genai_prices-0.0.1-py3-none-any.whl"
    with zipfile.ZipFile(gen, "w") as zf:
        zf.writestr("genai_prices/data.py", GENAI_PY)
    assert read_source(lit).version == "9.9.9"
    out = tmp_path / "out.csv"
    argv = ["--litellm", str(lit), "--genai-prices", str(gen), "--out", str(out)]
    assert main(argv) == 0
    assert "LiteLLM 9.9.9 and genai-prices 0.0.1" in out.read_text()
    assert main([*argv, "--check"]) == 0
    out.write_text(out.read_text() + "x\n")
    assert main([*argv, "--check"]) == 1
    bad = tmp_path / "genai_prices-0.0.2-py3-none-any.whl"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("x.txt", "")
    with pytest.raises(SourceError, match=r"no genai_prices/data\.py"):
        read_source(bad)
