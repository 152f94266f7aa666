"""Every usage type of billing-vocabulary.md §1, parsed; expected values written by hand.

Plus property tests: parse -> render -> parse is stable on usage types generated over every
pattern of the grammar (first-party tokens with chained suffixes, LatencyOptimized names,
geographies, mantle meters, training, image meters, Marketplace meters).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core.usage_types import UsageTypeInfo, parse_usage_type, render_usage_type


@dataclass(frozen=True)
class Want:
    region: str | None
    name: str | None
    model: str | None
    charge: str
    mode: str = "on_demand"
    tier: str = "standard"
    routing: str | None = "regional"
    kind: str = "token"
    endpoint: str = "runtime"
    context: str = "standard"
    latency: bool = False
    mapped: bool = True


E1, W2, EW2 = "us-east-1", "us-west-2", "eu-west-2"
SONNET46 = "anthropic.claude-sonnet-4-6"
OPUS46 = "anthropic.claude-opus-4-6-v1"
HAIKU45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
LLAMA33 = "meta.llama3-3-70b-instruct-v1:0"
LLAMA31_70 = "meta.llama3-1-70b-instruct-v1:0"
IN, OUT, CR = "input_tokens", "output_tokens", "cache_read_input_tokens"
MP_SONNET4 = "Claude Sonnet 4 (Amazon Bedrock Edition)"
MP_SONNET45 = "Claude Sonnet 4.5 (Amazon Bedrock Edition)"
MP_HAIKU45 = "Claude Haiku 4.5 (Amazon Bedrock Edition)"
MP_SONNET35V2 = "Claude 3.5 Sonnet v2 (Amazon Bedrock Edition)"
MP_OPUS46 = "Claude Opus 4.6 (Amazon Bedrock Edition)"
MP_SIC = "Stable Image Core (Amazon Bedrock Edition)"

# (usage type, Marketplace product name) -> expected, one row per string of §1.
REFERENCE: list[tuple[str, str | None, Want]] = [
    ("USE1-Claude4.6Sonnet-input-tokens", None, Want(E1, "Claude4.6Sonnet", SONNET46, IN)),
    ("USE1-Claude4.6Sonnet-output-tokens", None, Want(E1, "Claude4.6Sonnet", SONNET46, OUT)),
    ("USE1-Claude4.6Opus-input-tokens", None, Want(E1, "Claude4.6Opus", OPUS46, IN)),
    ("USE1-Claude4.6Opus-output-tokens", None, Want(E1, "Claude4.6Opus", OPUS46, OUT)),
    ("USE1-Claude4.6Opus-input-tokens-cross-region-global", None,
     Want(E1, "Claude4.6Opus", OPUS46, IN, routing="global")),
    ("USE1-Claude4.6Opus-cache-read-input-token-count-cross-region-global", None,
     Want(E1, "Claude4.6Opus", OPUS46, CR, routing="global")),
    ("USE1-Claude4.5Haiku-input-tokens", None, Want(E1, "Claude4.5Haiku", HAIKU45, IN)),
    ("USE1-Claude4Sonnet-output-tokens-long-context-cross-region-global", None,
     Want(E1, "Claude4Sonnet", SONNET4, OUT, routing="global", context="long")),
    ("USE1-Claude4Sonnet-input-tokens-cross-region-global-batch", None,
     Want(E1, "Claude4Sonnet", SONNET4, IN, mode="batch", routing="global")),
    ("USE1-Claude4Sonnet-cache-read-input-token-count-cross-region-global", None,
     Want(E1, "Claude4Sonnet", SONNET4, CR, routing="global")),
    ("USE1-Claude3Haiku-input-tokens", None,
     Want(E1, "Claude3Haiku", "anthropic.claude-3-haiku-20240307-v1:0", IN)),
    ("USW2-Claude3Sonnet-input-tokens", None,
     Want(W2, "Claude3Sonnet", "anthropic.claude-3-sonnet-20240229-v1:0", IN)),
    ("USW2-Claude2.1-input-tokens", None, Want(W2, "Claude2.1", "anthropic.claude-v2:1", IN)),
    ("USW2-ClaudeInstant-input-tokens", None,
     Want(W2, "ClaudeInstant", "anthropic.claude-instant-v1", IN)),
    ("EUW2-Mistral7B-output-tokens", None,
     Want(EW2, "Mistral7B", "mistral.mistral-7b-instruct-v0:2", OUT)),
    ("EUW2-MistralLarge-input-tokens", None,
     Want(EW2, "MistralLarge", "mistral.mistral-large-2402-v1:0", IN)),
    ("EUW2-Mixtral8x7B-output-tokens", None,
     Want(EW2, "Mixtral8x7B", "mistral.mixtral-8x7b-instruct-v0:1", OUT)),
    ("EUW2-NovaLite-input-tokens", None, Want(EW2, "NovaLite", "amazon.nova-lite-v1:0", IN)),
    ("EUW2-NovaMicro-output-tokens", None, Want(EW2, "NovaMicro", "amazon.nova-micro-v1:0", OUT)),
    ("EUW2-NovaPro-output-tokens", None, Want(EW2, "NovaPro", "amazon.nova-pro-v1:0", OUT)),
    # EU- is a geography, not a Region: the row's own region column says which one
    ("EU-Qwen3-32B-input-tokens-batch", None,
     Want(None, "Qwen3-32B", "qwen.qwen3-32b-v1:0", IN, mode="batch")),
    ("EU-Qwen3-32B-output-tokens-batch", None,
     Want(None, "Qwen3-32B", "qwen.qwen3-32b-v1:0", OUT, mode="batch")),
    ("EUW2-Qwen3Coder-30B-A3B-input-tokens", None,
     Want(EW2, "Qwen3Coder-30B-A3B", "qwen.qwen3-coder-30b-a3b-v1:0", IN)),
    ("EUW2-Qwen3-VL-235B-A22B-input-tokens", None,
     Want(EW2, "Qwen3-VL-235B-A22B", "qwen.qwen3-vl-235b-a22b", IN)),
    ("USE1-NovaLite-input-tokens", None, Want(E1, "NovaLite", "amazon.nova-lite-v1:0", IN)),
    ("USE1-TitanEmbeddingV2-Text-input-tokens", None,
     Want(E1, "TitanEmbeddingV2-Text", "amazon.titan-embed-text-v2:0", IN)),
    ("USE1-NovaPro-input-tokens-latency-optimized", None,
     Want(E1, "NovaPro", "amazon.nova-pro-v1:0", IN, latency=True)),
    ("APN1-NovaPro-cache-read-input-token-count", None,
     Want("ap-northeast-1", "NovaPro", "amazon.nova-pro-v1:0", CR)),
    ("USE1-Llama3-3-70B-input-tokens", None, Want(E1, "Llama3-3-70B", LLAMA33, IN)),
    ("USE1-Llama3-1-70B-input-tokens", None, Want(E1, "Llama3-1-70B", LLAMA31_70, IN)),
    # "Llama 3.1 70B Latency Optimized": same model, its own (higher) price
    ("USE1-Llama3-1-70B-LatencyOptimized-input-tokens", None,
     Want(E1, "Llama3-1-70B", LLAMA31_70, IN, latency=True)),
    ("USE1-Llama3-1-405B-output-tokens-batch", None,
     Want(E1, "Llama3-1-405B", "meta.llama3-1-405b-instruct-v1:0", OUT, mode="batch")),
    ("USW2-Llama3-3-70B-Customization-Training", None,
     Want(W2, "Llama3-3-70B", LLAMA33, "training_tokens", routing=None, kind="training")),
    # "DeepSeek V3.1": no table row; deepseek.v3-v1:0 is not V3.1 (billing-vocabulary.md §3), so
    # the model is left to the log match (a finding when nothing matches), never guessed
    ("USE1-DeepSeekV3-1-input-tokens", None,
     Want(E1, "DeepSeekV3-1", None, IN, mapped=False)),
    ("USW2-Mistral-Large-3-675b-Instruct-output-tokens-priority", None,
     Want(W2, "Mistral-Large-3-675b-Instruct", "mistral.mistral-large-3-675b-instruct", OUT,
          tier="priority")),
    ("USE1-TitanEmbeddingsG1-Image-input-image", None,
     Want(E1, "TitanEmbeddingsG1-Image", "amazon.titan-embed-image-v1", "images", kind="image")),
    ("USE1-TitanEmbeddingV2-Text-input-tokens-batch", None,
     Want(E1, "TitanEmbeddingV2-Text", "amazon.titan-embed-text-v2:0", IN, mode="batch")),
    # mantle: the model id verbatim up to -mantle (the table refines it where the logged id
    # carries a version: gpt-oss, Haiku 4.5)
    ("USE1-openai.gpt-oss-120b-mantle-input-tokens-standard", None,
     Want(E1, "openai.gpt-oss-120b", "openai.gpt-oss-120b-1:0", IN, endpoint="mantle")),
    ("USE1-deepseek.v3.2-mantle-input-tokens-standard", None,
     Want(E1, "deepseek.v3.2", "deepseek.v3.2", IN, endpoint="mantle")),
    ("USE1-minimax.minimax-m2-mantle-input-tokens-standard", None,
     Want(E1, "minimax.minimax-m2", "minimax.minimax-m2", IN, endpoint="mantle")),
    ("USE1-minimax.minimax-m2.5-mantle-input-tokens-standard", None,
     Want(E1, "minimax.minimax-m2.5", "minimax.minimax-m2.5", IN, endpoint="mantle")),
    ("USE1-minimax.minimax-m2.1-mantle-input-tokens-standard", None,
     Want(E1, "minimax.minimax-m2.1", "minimax.minimax-m2.1", IN, endpoint="mantle")),
    ("USE1-mistral.magistral-small-2509-mantle-input-tokens-standard", None,
     Want(E1, "mistral.magistral-small-2509", "mistral.magistral-small-2509", IN,
          endpoint="mantle")),
    ("USE1-anthropic.claude-haiku-4-5-mantle-cache-write-tokens-1h-standard", None,
     Want(E1, "anthropic.claude-haiku-4-5", HAIKU45, "cache_write_1h_input_tokens",
          endpoint="mantle")),
    ("USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-global-standard", None,
     Want(W2, "anthropic.claude-opus-4-8", "anthropic.claude-opus-4-8",
          "cache_write_input_tokens", routing="global", endpoint="mantle")),
    # not model inference: a Bedrock charge of its own, never a token charge
    ("USE1-Knowledge-Base:Consumption-based:Retrieval", None,
     Want(E1, None, None, "knowledge_base_usage", routing=None, kind="knowledge_base")),
    ("USE1-Runtime:Consumption-based:vCPU", None,
     Want(E1, None, None, "agentcore_usage", routing=None, kind="agentcore")),
    ("USE1-Runtime:Consumption-based:Memory", None,
     Want(E1, None, None, "agentcore_usage", routing=None, kind="agentcore")),
    # Marketplace: the model is the product's
    ("USE1-MP:USE1_MillionBatchInputTokens-Units", MP_SONNET4,
     Want(E1, MP_SONNET4, SONNET4, IN, mode="batch")),
    ("USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units", MP_SONNET45,
     Want(E1, MP_SONNET45, SONNET45, "cache_write_1h_input_tokens", routing="global")),
    ("USE1-MP:USE1_input_tokens_global_standard-Units", MP_SONNET45,
     Want(E1, MP_SONNET45, SONNET45, IN, routing="global")),
    ("USW2-MP:USW2_InputTokenCount-Units", MP_HAIKU45, Want(W2, MP_HAIKU45, HAIKU45, IN)),
    ("USE1-MP:USE1_InputTokenCount-Units", MP_SONNET35V2,
     Want(E1, MP_SONNET35V2, "anthropic.claude-3-5-sonnet-20241022-v2:0", IN)),
    ("USE1-MP:USE1_InputTokenCount-Units", MP_OPUS46, Want(E1, MP_OPUS46, OPUS46, IN)),
    # an image product not in the table: images understood, model left to the log match
    ("USE1-MP:USE1_created_image_stable_image_core-Units", MP_SIC,
     Want(E1, MP_SIC, None, "images", kind="image", mapped=False)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("usage_type", "product", "want"), REFERENCE, ids=[f"{u}|{p}" for u, p, _ in REFERENCE]
)
def test_every_reference_usage_type(usage_type: str, product: str | None, want: Want) -> None:
    info = parse_usage_type(usage_type, product)
    assert info is not None
    got = Want(
        info.region,
        info.billing_model_name,
        info.base_model,
        info.charge,
        info.mode,
        info.tier,
        info.routing,
        info.kind,
        info.endpoint,
        info.context_tier,
        info.latency_optimized,
        info.mapped,
    )
    assert got == want


def test_customization_is_not_part_of_the_model_name() -> None:
    info = parse_usage_type("USW2-Llama3-3-70B-Customization-Training")
    assert info is not None
    assert info.billing_model_name == "Llama3-3-70B"


@pytest.mark.parametrize(
    "usage_type",
    [
        "USE1-NovaMicro-input-tokens-turbo",  # unknown suffix
        "USE1-NovaMicro-input-tokens-batch-batch",  # doubled suffix
        "USE1-openai.gpt-oss-120b-mantle-input-tokens-hyper",  # unknown mantle tier
        "USE1-openai.gpt-oss-120b-mantle-output-tokens-1h-standard",  # 1h on a non-cache meter
        "USE1-NovaReel-T2V-Medfps-HDRes",  # video: not a pattern we know yet
        "USE1-Llama3-3-70B-Customization-Training-Hours",
        "USE1-Gizmo:Consumption-based:Widgets",
    ],
)
def test_anything_new_is_an_explicit_unknown(usage_type: str) -> None:
    info = parse_usage_type(usage_type)
    assert info is not None
    assert (info.kind, info.charge, info.mapped, info.tokens_per_unit) == (
        "unknown",
        "other",
        False,
        None,
    )


def test_agentcore_by_product_code_whatever_the_meter() -> None:
    info = parse_usage_type(
        "USE1-Sessions:Consumption-based:Count", product_code="AmazonBedrockAgentCore"
    )
    assert info is not None
    assert (info.kind, info.charge, info.mapped) == ("agentcore", "agentcore_usage", True)


# --- properties ---------------------------------------------------------------------------------

REGIONS = st.sampled_from(["USE1", "USW2", "EUW2", "EUC1", "APN1", "APS2", "EU", "US", "XYZ9"])
BILLING_NAMES = st.from_regex(
    r"\A[A-Z][a-z]{2,6}([0-9](\.[0-9])?)?([A-Z][a-z]{2,5})?(-[0-9]{1,3}B)?(-[A-Z][a-z]{2,4})?\Z"
)
TOKEN_TYPES = st.sampled_from(
    ["input-tokens", "output-tokens", "cache-read-input-token-count",
     "cache-write-input-token-count"]
)  # fmt: skip
CANONICAL_SUFFIXES = (
    "long-context",
    "latency-optimized",
    "cross-region-global",
    "batch",
    "priority",
    "flex",
)


@st.composite
def first_party(draw: st.DrawFn) -> str:
    chosen = draw(st.lists(st.sampled_from(CANONICAL_SUFFIXES), unique=True, max_size=4))
    chosen = [s for s in CANONICAL_SUFFIXES if s in chosen]
    if "priority" in chosen and "flex" in chosen:
        chosen.remove("flex")
    name = draw(BILLING_NAMES)
    if "latency-optimized" not in chosen and draw(st.booleans()):
        name += "-LatencyOptimized"
    tail = "".join(f"-{s}" for s in chosen)
    return f"{draw(REGIONS)}-{name}-{draw(TOKEN_TYPES)}{tail}"


@st.composite
def mantle(draw: st.DrawFn) -> str:
    model = draw(st.from_regex(r"\A[a-z]{2,8}\.[a-z]{2,8}(-[a-z0-9]{1,4}){0,3}(\.[0-9])?\Z"))
    meter = draw(st.sampled_from(["input-tokens", "output-tokens", "cache-read-tokens",
                                  "cache-write-tokens"]))  # fmt: skip
    h1 = "-1h" if meter == "cache-write-tokens" and draw(st.booleans()) else ""
    glob = "-global" if draw(st.booleans()) else ""
    tier = draw(st.sampled_from(["standard", "priority", "flex"]))
    return f"{draw(REGIONS)}-{model}-mantle-{meter}{h1}{glob}-{tier}"


@st.composite
def other_first_party(draw: st.DrawFn) -> str:
    name = draw(BILLING_NAMES)
    reg = draw(REGIONS)
    return draw(
        st.sampled_from(
            [f"{reg}-{name}-Customization-Training", f"{reg}-{name}-input-image",
             f"{reg}-{name}-output-image"]
        )
    )  # fmt: skip


@st.composite
def marketplace(draw: st.DrawFn) -> str:
    reg = draw(st.sampled_from(["USE1", "USW2", "APN1", "EUC1"]))
    base = draw(st.sampled_from(["input_tokens", "output_tokens", "cache_read_tokens",
                                 "cache_write_tokens", "cache_write_tokens_1h"]))  # fmt: skip
    words = [base]
    if draw(st.booleans()):
        words.insert(0, "batch")
    if draw(st.booleans()):
        words.append("global")
    if draw(st.booleans()):
        words.append(draw(st.sampled_from(["standard", "priority", "flex"])))
    legacy = {"input_tokens": "InputTokenCount", "output_tokens": "OutputTokenCount"}
    if base in legacy and len(words) == 1 and draw(st.booleans()):
        words = [legacy[base]]
    return f"{reg}-MP:{reg}_{'_'.join(words)}-Units"


def _fields(info: UsageTypeInfo) -> tuple[object, ...]:
    # everything but the string itself and how it was spelled (suffix order, meter words)
    skip = {"usage_type", "meter", "suffixes"}
    return tuple(getattr(info, f.name) for f in fields(info) if f.name not in skip)


@settings(max_examples=300, deadline=None)
@given(st.one_of(first_party(), mantle(), other_first_party(), marketplace()), st.booleans())
def test_parse_render_parse_is_stable(usage_type: str, with_product: bool) -> None:
    product = MP_SONNET45 if with_product and "-MP:" in usage_type else None
    first = parse_usage_type(usage_type, product)
    assert first is not None
    assert first.kind != "unknown", usage_type
    rendered = render_usage_type(first)
    assert rendered is not None
    second = parse_usage_type(rendered, product)
    assert second is not None
    assert _fields(second) == _fields(first)
    assert render_usage_type(second) == rendered


@settings(max_examples=200, deadline=None)
@given(first_party())
def test_canonical_first_party_renders_to_itself(usage_type: str) -> None:
    info = parse_usage_type(usage_type)
    assert info is not None
    assert render_usage_type(info) == usage_type
