"""The two-stage model matcher (billing-vocabulary.md §3); every expectation written by hand."""

from __future__ import annotations

import pytest

from reconciler.core.model_match import join_key, match_model

LLAMA33 = "meta.llama3-3-70b-instruct-v1:0"
LLAMA31 = "meta.llama3-1-70b-instruct-v1:0"
OPUS46 = "anthropic.claude-opus-4-6-v1"
HAIKU45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET35 = "anthropic.claude-3-5-sonnet-20240620-v1:0"
SONNET35V2 = "anthropic.claude-3-5-sonnet-20241022-v2:0"
DEEPSEEK_V3 = "deepseek.v3-v1:0"
CATALOGUE = [
    LLAMA33,
    LLAMA31,
    OPUS46,
    HAIKU45,
    SONNET35,
    SONNET35V2,
    DEEPSEEK_V3,
    "zai.glm-4.7",
    "minimax.minimax-m2",
    "minimax.minimax-m2.5",
    "minimax.minimax-m2.1",
    "mistral.magistral-small-2509",
    "mistral.mixtral-8x7b-instruct-v0:1",
    "mistral.mistral-7b-instruct-v0:2",
    "mistral.mistral-large-3-675b-instruct",
    "amazon.titan-embed-text-v2:0",
    "amazon.nova-micro-v1:0",
    "amazon.nova-2-lite-v1:0",
    "qwen.qwen3-coder-30b-a3b-v1:0",
    "qwen.qwen3-vl-235b-a22b",
    "qwen.qwen3-32b-v1:0",
    "openai.gpt-oss-120b-1:0",
    "openai.gpt-oss-20b-1:0",
    "deepseek.r1-v1:0",
]

# name -> expected model id (matched), by hand from the AWS model catalogue and Price List names.
MATCHED = [
    ("Llama 3.3 70B", LLAMA33),
    ("Llama3-3-70B", LLAMA33),
    ("Meta Llama 3.3 70B Instruct", LLAMA33),
    ("Llama 3.1 70B", LLAMA31),
    ("Claude Opus 4.6", OPUS46),
    ("Claude4.6Opus", OPUS46),
    ("Claude4.5Haiku", HAIKU45),
    ("Claude Haiku 4.5", HAIKU45),
    ("Claude 3.5 Sonnet", SONNET35),
    ("Claude 3.5 Sonnet v2", SONNET35V2),
    ("GLM 4.7", "zai.glm-4.7"),
    ("DeepSeek V3", DEEPSEEK_V3),
    ("DeepSeek-R1", "deepseek.r1-v1:0"),
    ("Mixtral8x7B", "mistral.mixtral-8x7b-instruct-v0:1"),
    ("Mistral7B", "mistral.mistral-7b-instruct-v0:2"),
    ("Mistral-Large-3-675b-Instruct", "mistral.mistral-large-3-675b-instruct"),
    ("TitanEmbeddingV2-Text", "amazon.titan-embed-text-v2:0"),
    ("NovaMicro", "amazon.nova-micro-v1:0"),
    ("Nova2.0Lite", "amazon.nova-2-lite-v1:0"),
    ("Qwen3Coder-30B-A3B", "qwen.qwen3-coder-30b-a3b-v1:0"),
    ("Qwen3-VL-235B-A22B", "qwen.qwen3-vl-235b-a22b"),
    ("Qwen3-32B", "qwen.qwen3-32b-v1:0"),
    ("gpt-oss-120b", "openai.gpt-oss-120b-1:0"),
]


@pytest.mark.parametrize(("name", "model"), MATCHED)
def test_join_key_matches(name: str, model: str) -> None:
    result = match_model(name, CATALOGUE)
    assert (result.status, result.model_id, result.stage) == ("matched", model, "join_key")
    assert result.candidates == (model,)


# Names that must never be matched to the nearest id (reference §3).
MISSING = [
    "Llama 3.1 70B Latency Optimized",  # a different price than Llama 3.1 70B
    "DeepSeek V3.1",  # deepseek.v3-v1:0 is not V3.1
    "DeepSeekV3-1",
    "DeepSeek v3.2",
    "Claude Opus 4",  # not 4.6
    "Claude Opus 4.7",
    "Llama 3.3 8B",
    "MistralLarge",  # no date-less Mistral Large id in the catalogue
    "Qwen3Coder-480B-A35B",
    "Magistral Small 1.2",  # only the mantle id names it (stage 1)
    "",
]


@pytest.mark.parametrize("name", MISSING)
def test_no_nearest_name(name: str) -> None:
    result = match_model(name, CATALOGUE)
    assert result.status == "missing"
    assert result.model_id is None
    assert result.candidates == tuple(sorted(CATALOGUE))  # the finding names what was considered


# mantle usage type (or its model segment) -> expected id
MANTLE = [
    ("USE1-minimax.minimax-m2-mantle-input-tokens-standard", "minimax.minimax-m2"),
    ("USE1-minimax.minimax-m2.5-mantle-input-tokens-standard", "minimax.minimax-m2.5"),
    ("USE1-minimax.minimax-m2.1-mantle-output-tokens-standard", "minimax.minimax-m2.1"),
    ("USE1-mistral.magistral-small-2509-mantle-input-tokens-standard",
     "mistral.magistral-small-2509"),
    ("USE1-openai.gpt-oss-120b-mantle-input-tokens-standard", "openai.gpt-oss-120b-1:0"),
    ("USE1-anthropic.claude-haiku-4-5-mantle-cache-write-tokens-1h-standard", HAIKU45),
    ("openai.gpt-oss-20b-mantle", "openai.gpt-oss-20b-1:0"),
]  # fmt: skip


@pytest.mark.parametrize(("usage_type", "model"), MANTLE)
def test_mantle_exact_up_to_boundary(usage_type: str, model: str) -> None:
    result = match_model(usage_type, CATALOGUE)
    assert (result.status, result.model_id, result.stage) == ("matched", model, "mantle")


def test_mantle_never_substring() -> None:
    # minimax-m2 is a prefix of minimax-m2.5: with only m2.5 seen, m2 is missing, not m2.5.
    only_m25 = ["minimax.minimax-m2.5"]
    result = match_model("USE1-minimax.minimax-m2-mantle-input-tokens-standard", only_m25)
    assert (result.status, result.candidates) == ("missing", ("minimax.minimax-m2.5",))
    other_release = ["mistral.magistral-small-2510"]
    result = match_model("USE1-mistral.magistral-small-2509-mantle-input-tokens-standard",
                         other_release)  # fmt: skip
    assert result.status == "missing"
    # claude-opus-4 must not take claude-opus-4-1's id
    result = match_model("anthropic.claude-opus-4-mantle", ["anthropic.claude-opus-4-1-v1"])
    assert result.status == "missing"
    # "deepseek.v3.2" (mantle) is not deepseek.v3-v1:0
    result = match_model("USE1-deepseek.v3.2-mantle-input-tokens-standard", [DEEPSEEK_V3])
    assert result.status == "missing"


def test_ambiguous_names_every_tied_candidate() -> None:
    two_dates = ["mistral.mistral-large-2402-v1:0", "mistral.mistral-large-2407-v1:0"]
    assert match_model("Mistral Large", two_dates).status == "missing"  # dates are numbers
    context_variants = [SONNET35, "anthropic.claude-3-5-sonnet-20240620-v1:0:200k"]
    result = match_model("Claude 3.5 Sonnet", context_variants)
    assert result.status == "ambiguous"
    assert result.model_id is None
    assert result.candidates == (SONNET35, "anthropic.claude-3-5-sonnet-20240620-v1:0:200k")
    mantle_dates = ["anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-haiku-4-5-v1"]
    result = match_model("anthropic.claude-haiku-4-5-mantle", mantle_dates)
    assert result.status == "ambiguous"
    assert "claude-haiku-4-5-20251001-v1:0" in result.describe()


def test_profile_prefixes_are_the_same_model() -> None:
    result = match_model("Nova Micro", ["us.amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0"])
    assert (result.status, result.model_id) == ("matched", "amazon.nova-micro-v1:0")
    result = match_model("Claude Opus 4.6", ["global.anthropic.claude-opus-4-6-v1"])
    assert (result.status, result.model_id) == ("matched", OPUS46)


def test_no_candidates_is_missing() -> None:
    result = match_model("Claude Opus 4.6", [])
    assert (result.status, result.candidates) == ("missing", ())
    assert result.describe() == "'Claude Opus 4.6' matches no model id (join_key); candidates: none"


def test_join_key_renders_the_shared_key() -> None:
    assert join_key(LLAMA33) == "b+llama|3.3.70"
    assert join_key("Llama 3.3 70B") == "b+llama|3.3.70"
    assert join_key(SONNET35V2) == "claude+sonnet+v|3.5.2"
    assert join_key(OPUS46) == "claude+opus|4.6"
