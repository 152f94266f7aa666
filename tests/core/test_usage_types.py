"""Every real usage-type string of formats.md §4.3 (and the brief), expected fields by hand."""

from __future__ import annotations

import pytest

from reconciler.core.errors import ConfigError
from reconciler.core.usage_types import learned_rows, load_billing_names, parse_usage_type

SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET45_PRODUCT = "Claude Sonnet 4.5 (Amazon Bedrock Edition)"
K, M = 1000, 1_000_000

# usage_type, product, region, billing name, base model, charge, mode, tier, routing, tpu, kind
CASES = [
    ("USE1-NovaMicro-input-tokens", None, "us-east-1", "NovaMicro", "amazon.nova-micro-v1:0",
     "input_tokens", "on_demand", "standard", "regional", K, "token"),
    ("USW2-NovaMicro-output-tokens", None, "us-west-2", "NovaMicro", "amazon.nova-micro-v1:0",
     "output_tokens", "on_demand", "standard", "regional", K, "token"),
    ("EUW2-MistralLarge-output-tokens", None, "eu-west-2", "MistralLarge",
     "mistral.mistral-large-2402-v1:0", "output_tokens", "on_demand", "standard", "regional", K,
     "token"),
    ("USW2-TitanTextG1-Lite-input-tokens", None, "us-west-2", "TitanTextG1-Lite",
     "amazon.titan-text-lite-v1", "input_tokens", "on_demand", "standard", "regional", K, "token"),
    ("USW2-TitanEmbeddingsG1-Text-input-tokens", None, "us-west-2", "TitanEmbeddingsG1-Text",
     "amazon.titan-embed-text-v1", "input_tokens", "on_demand", "standard", "regional", K, "token"),
    ("USE1-TitanEmbeddingV2-Text-input-tokens", None, "us-east-1", "TitanEmbeddingV2-Text",
     "amazon.titan-embed-text-v2:0", "input_tokens", "on_demand", "standard", "regional", K,
     "token"),
    ("USE1-NovaPro-cache-read-input-token-count", None, "us-east-1", "NovaPro",
     "amazon.nova-pro-v1:0", "cache_read_input_tokens", "on_demand", "standard", "regional", K,
     "token"),
    ("USE1-NovaPro-cache-write-input-token-count", None, "us-east-1", "NovaPro",
     "amazon.nova-pro-v1:0", "cache_write_input_tokens", "on_demand", "standard", "regional", K,
     "token"),
    ("USE1-openai.gpt-oss-120b-mantle-input-tokens-standard", None, "us-east-1",
     "openai.gpt-oss-120b", "openai.gpt-oss-120b-1:0", "input_tokens", "on_demand", "standard",
     "regional", K, "token"),
    ("USE1-NovaMicro-input-tokens-batch", None, "us-east-1", "NovaMicro", "amazon.nova-micro-v1:0",
     "input_tokens", "batch", "standard", "regional", K, "token"),
    ("EU-Qwen3-32B-output-tokens-batch", None, None, "Qwen3-32B", "qwen.qwen3-32b-v1:0",
     "output_tokens", "batch", "standard", "regional", K, "token"),
    ("USE1-Nova2.0Lite-input-tokens-flex", None, "us-east-1", "Nova2.0Lite",
     "amazon.nova-2-lite-v1:0", "input_tokens", "on_demand", "flex", "regional", K, "token"),
    ("USE1-NovaPro-output-tokens-priority", None, "us-east-1", "NovaPro", "amazon.nova-pro-v1:0",
     "output_tokens", "on_demand", "priority", "regional", K, "token"),
    ("USE1-Claude4Sonnet-cache-read-input-token-count-cross-region-global", None, "us-east-1",
     "Claude4Sonnet", "anthropic.claude-sonnet-4-20250514-v1:0", "cache_read_input_tokens",
     "on_demand", "standard", "global", K, "token"),
    ("USE1-Claude4.5Sonnet-input-tokens-global-standard", None, "us-east-1", "Claude4.5Sonnet",
     SONNET45, "input_tokens", "on_demand", "standard", "global", K, "token"),
    ("USE1-Claude4.5Haiku-output-tokens-standard", None, "us-east-1", "Claude4.5Haiku", HAIKU45,
     "output_tokens", "on_demand", "standard", "regional", K, "token"),
    ("USE1-NovaPro-input-tokens-latency-optimized", None, "us-east-1", "NovaPro",
     "amazon.nova-pro-v1:0", "input_tokens", "on_demand", "standard", "regional", K, "token"),
    ("USE1-Llama3-3-70B-input-tokens", None, "us-east-1", "Llama3-3-70B",
     "meta.llama3-3-70b-instruct-v1:0", "input_tokens", "on_demand", "standard", "regional", K,
     "token"),
    ("USE1-NovaCanvas", None, "us-east-1", "NovaCanvas", "amazon.nova-canvas-v1:0", "images",
     "on_demand", "standard", "regional", None, "image"),
    ("USE1-NovaReel-T2V-Medfps-HDRes", None, "us-east-1", "NovaReel-T2V-Medfps-HDRes", None,
     "other", "on_demand", "standard", None, None, "unknown"),
    ("USE1-Guardrail-ContentPolicyUnitsConsumed", None, "us-east-1", None, None,
     "guardrail_text_units", "on_demand", "standard", None, None, "guardrail"),
    ("USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits", None, "us-east-1",
     "Nova2.0Lite", "amazon.nova-2-lite-v1:0", "model_unit_hours", "provisioned", "standard",
     None, None, "provisioned"),
    ("USE1-Nova2.0Lite-Customization-Storage", None, "us-east-1", "Nova2.0Lite",
     "amazon.nova-2-lite-v1:0", "storage_months", "on_demand", "standard", None, None, "storage"),
    ("USE1-Nova2.0Lite-RFT-Training-Hours", None, "us-east-1", "Nova2.0Lite-RFT", None, "other",
     "on_demand", "standard", None, None, "training"),
    ("USE1-OSS-CustomModelImport-Inference-v1:0", None, "us-east-1", None, None,
     "custom_model_unit_minutes", "custom_import", "standard", None, None, "custom_import"),
    # Marketplace, old generation
    ("USE1-MP:USE1_InputTokenCount-Units", SONNET45_PRODUCT, "us-east-1", SONNET45_PRODUCT,
     SONNET45, "input_tokens", "on_demand", "standard", "regional", M, "token"),
    ("USW2-MP:USW2_InputTokenCount-Units", SONNET45_PRODUCT, "us-west-2", SONNET45_PRODUCT,
     SONNET45, "input_tokens", "on_demand", "standard", "regional", M, "token"),
    ("USE1-MP:USE1_OutputTokenCount-Units", SONNET45_PRODUCT, "us-east-1", SONNET45_PRODUCT,
     SONNET45, "output_tokens", "on_demand", "standard", "regional", M, "token"),
    ("USE1-MP:USE1_InputTokenCount_Global-Units", SONNET45_PRODUCT, "us-east-1",
     SONNET45_PRODUCT, SONNET45, "input_tokens", "on_demand", "standard", "global", M, "token"),
    ("USE1-MP:USE1_CacheReadInputTokenCount-Units", SONNET45_PRODUCT, "us-east-1",
     SONNET45_PRODUCT, SONNET45, "cache_read_input_tokens", "on_demand", "standard", "regional",
     M, "token"),
    ("USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units", SONNET45_PRODUCT, "us-east-1",
     SONNET45_PRODUCT, SONNET45, "cache_write_1h_input_tokens", "on_demand", "standard",
     "global", M, "token"),
    ("APN1-MP:APN1_MillionBatchInputTokens-Units", SONNET45_PRODUCT, "ap-northeast-1",
     SONNET45_PRODUCT, SONNET45, "input_tokens", "batch", "standard", "regional", M, "token"),
    # Marketplace, new generation (with and without the MP: prefix)
    ("USE1_input_tokens_standard-Units", "Claude Haiku 4.5 (Amazon Bedrock Edition)",
     "us-east-1", "Claude Haiku 4.5 (Amazon Bedrock Edition)", HAIKU45, "input_tokens",
     "on_demand", "standard", "regional", M, "token"),
    ("USE1_input_tokens_global_standard-Units", SONNET45_PRODUCT, "us-east-1", SONNET45_PRODUCT,
     SONNET45, "input_tokens", "on_demand", "standard", "global", M, "token"),
    ("USE1-MP:USE1_output_tokens_priority-Units", SONNET45_PRODUCT, "us-east-1",
     SONNET45_PRODUCT, SONNET45, "output_tokens", "on_demand", "priority", "regional", M, "token"),
    ("USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units", SONNET45_PRODUCT, "us-east-1",
     SONNET45_PRODUCT, SONNET45, "cache_write_1h_input_tokens", "on_demand", "standard", "global",
     M, "token"),
    ("USE1-MP:USE1_ProvisionedThroughput_1MonthCommit_ModelUnits_Usage-Units", SONNET45_PRODUCT,
     "us-east-1", SONNET45_PRODUCT, SONNET45, "model_unit_hours", "provisioned", "standard", None,
     None, "provisioned"),
    # Marketplace row whose product is not in the table: surfaced, not guessed
    ("USE1-MP:USE1_InputTokenCount-Units", "Claude Sonnet 9 (Amazon Bedrock Edition)",
     "us-east-1", "Claude Sonnet 9 (Amazon Bedrock Edition)", None, "input_tokens", "on_demand",
     "standard", "regional", M, "token"),
    ("USE1-MP:USE1_InputTokenCount-Units", None, "us-east-1", None, None, "input_tokens",
     "on_demand", "standard", "regional", M, "token"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}|{c[1]}" for c in CASES])
def test_parse_real_usage_types(case):
    usage_type, product, *expected = case
    info = parse_usage_type(usage_type, product)
    assert info is not None
    got = [
        info.region,
        info.billing_model_name,
        info.base_model,
        info.charge,
        info.mode,
        info.tier,
        info.routing,
        info.tokens_per_unit,
        info.kind,
    ]
    assert got == expected


def test_cache_is_tested_before_input():
    # "cache-read-input-token-count" contains "input-token": a substring parser gets this wrong.
    assert parse_usage_type("USE1-NovaPro-cache-read-input-token-count").charge == (
        "cache_read_input_tokens"
    )
    assert parse_usage_type("USE1-MP:USE1_CacheReadInputTokenCount-Units").charge == (
        "cache_read_input_tokens"
    )


def test_mantle_and_latency_flags():
    mantle = parse_usage_type("USE1-openai.gpt-oss-120b-mantle-input-tokens-standard")
    assert (mantle.endpoint, mantle.mapped) == ("mantle", True)
    assert parse_usage_type("USE1-NovaMicro-input-tokens").endpoint == "runtime"
    assert parse_usage_type("USE1-NovaPro-input-tokens-latency-optimized").latency_optimized


def test_mapped_flag():
    assert parse_usage_type("USE1-NovaMicro-input-tokens").mapped
    assert not parse_usage_type("EUW2-Mistral9B-output-tokens").mapped  # unmapped model
    assert parse_usage_type("USE1-Guardrail-ContentPolicyUnitsConsumed").mapped  # no model needed
    assert not parse_usage_type("USE1-MP:USE1_InputTokenCount-Units").mapped  # no product name


@pytest.mark.parametrize(
    "usage_type",
    ["USE1-NovaMicro-input-tokens-turbo", "USE1-MP:USE1_InputTokenCount_Turbo-Units"],
)
def test_unknown_suffix_or_meter_word_is_not_understood(usage_type):
    info = parse_usage_type(usage_type)
    assert (info.charge, info.kind, info.tokens_per_unit, info.mapped) == (
        "other",
        "unknown",
        None,
        False,
    )


@pytest.mark.parametrize("text", ["", "Requests", "BoxUsage:t3.micro", "use1-NovaMicro"])
def test_not_a_bedrock_usage_type(text):
    assert parse_usage_type(text) is None


def test_unknown_region_prefix_gives_no_region():
    info = parse_usage_type("XYZ9-NovaMicro-input-tokens")
    assert (info.region, info.base_model) == (None, "amazon.nova-micro-v1:0")


def test_no_resemblance_matching():
    # Close but not equal names stay unmapped.
    assert parse_usage_type("USE1-Novamicro-input-tokens").base_model is None
    assert parse_usage_type("USE1-NovaMicro2-input-tokens").base_model is None
    assert (
        parse_usage_type(
            "USE1-MP:USE1_InputTokenCount-Units", "Claude Sonnet 4.5 (Bedrock Edition)"
        ).base_model
        is None
    )
    # ... but whitespace differences in a product name are the same name.
    assert (
        parse_usage_type(
            "USE1-MP:USE1_InputTokenCount-Units", "Claude  Sonnet 4.5 (Amazon Bedrock Edition) "
        ).base_model
        == SONNET45
    )


def test_user_file_extends_and_overrides(tmp_path):
    user = tmp_path / "names.csv"
    user.write_text(
        "name_type,name,base_model,charge,source,notes\n"
        "billing_name,MistralLarge,mistral.mistral-large-2407-v1:0,,our CUR,checked by finops\n"
        "billing_name,NovaMicro,amazon.nova-micro-v9:0,,test override,\n"
        "product_name,Cohere Command R (Amazon Bedrock Edition),cohere.command-r-v1:0,,x,\n"
    )
    names = load_billing_names(str(user))
    assert (
        parse_usage_type("EUW2-MistralLarge-output-tokens", names=names).base_model
        == "mistral.mistral-large-2407-v1:0"
    )
    assert (
        parse_usage_type("USE1-NovaMicro-input-tokens", names=names).base_model
        == "amazon.nova-micro-v9:0"
    )
    assert (
        parse_usage_type(
            "USE1-MP:USE1_OutputTokenCount-Units",
            "Cohere Command R (Amazon Bedrock Edition)",
            names=names,
        ).base_model
        == "cohere.command-r-v1:0"
    )
    # the bundled table itself is untouched
    assert (
        parse_usage_type("EUW2-MistralLarge-output-tokens").base_model
        == "mistral.mistral-large-2402-v1:0"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,base_model\nX,y\n", "missing column(s) name_type"),
        ("name_type,name,base_model\nmodel,X,y\n", ":2: name_type 'model' must be"),
        ("name_type,name,base_model,charge\nbilling_name,X,y,pixels\n", "charge 'pixels'"),
        ("name_type,name,base_model\nbilling_name,X,\n", "must not be empty"),
    ],
)
def test_bad_user_file_is_a_config_error(tmp_path, content, message):
    user = tmp_path / "names.csv"
    user.write_text(content)
    with pytest.raises(ConfigError, match=None) as exc:
        load_billing_names(str(user))
    assert message in str(exc.value)


def test_missing_user_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_billing_names(str(tmp_path / "nope.csv"))
    assert "fix [invoices] billing_names" in str(exc.value)


def test_learned_rows_sit_between_bundled_and_user_rows(con, tmp_path):
    # the table a Price List import fills (migration 0011); read back in insertion order
    con.execute(
        "INSERT INTO billing_name_map (name_type, name, base_model, charge, source) VALUES "
        "('billing_name', 'Mistral9B', 'mistral.mistral-9b-v1:0', NULL, 'SKU A'), "
        "('usage_type', 'USE1-Odd-input-tokens', 'vendor.odd-v1:0', NULL, 'SKU B'), "
        "('billing_name', 'NovaMicro', 'amazon.nova-micro-v7:0', NULL, 'SKU C')"
    )
    learned = learned_rows(con)
    assert ("usage_type", "USE1-Odd-input-tokens", "vendor.odd-v1:0", None) in learned
    names = load_billing_names(None, learned)
    assert (
        parse_usage_type("EUW2-Mistral9B-output-tokens", names=names).base_model
        == "mistral.mistral-9b-v1:0"
    )
    assert parse_usage_type("USE1-Odd-input-tokens", names=names).base_model == "vendor.odd-v1:0"
    assert parse_usage_type("USW2-Odd-input-tokens", names=names).base_model is None  # exact only
    user = tmp_path / "names.csv"
    user.write_text(
        "name_type,name,base_model,charge,source,notes\n"
        "billing_name,NovaMicro,amazon.nova-micro-v1:0,,ours,\n"
    )
    names = load_billing_names(str(user), learned)
    assert (
        parse_usage_type("USE1-NovaMicro-input-tokens", names=names).base_model
        == "amazon.nova-micro-v1:0"
    )  # the user's row wins over the learned one
