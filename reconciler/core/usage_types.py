"""AWS billing usage types -> what was billed: region, model, charge, mode, tier, routing, unit.

A CUR / FOCUS / Cost Explorer row names what it charges for only through its usage type
(``USE1-NovaMicro-input-tokens``) and, for models sold through AWS Marketplace, its product name
(``Claude Sonnet 4.5 (Amazon Bedrock Edition)``). Two grammars coexist (formats.md §4.3):

* **AmazonBedrock**: ``<REG>-<BillingName>-<token type>[-<suffix>...]`` where the token type is
  ``input-tokens``, ``output-tokens``, ``cache-read-input-token-count`` or
  ``cache-write-input-token-count`` (cache is tested first: it contains ``input-token``), the
  suffixes are ``batch``, ``flex``, ``priority``, ``standard``, ``global-standard``,
  ``cross-region-global`` and ``latency-optimized``, and a ``<model>-mantle-`` model segment marks
  the Mantle endpoint. Non-token charges: ``<REG>-Guardrail-<Policy>UnitsConsumed``,
  ``<REG>-<BillingName>-ProvisionedThroughput-...-ModelUnits``, ``...-Customization-Storage``,
  ``...-Training...``, ``<REG>-OSS-CustomModelImport-...`` and image models (``USE1-NovaCanvas``,
  ``<REG>-<BillingName>-input-image``). Suffixes chain (``-long-context-cross-region-global``,
  ``-cross-region-global-batch``); ``<BillingName>-LatencyOptimized`` is the latency-optimized
  variant of ``<BillingName>``; the region may be a geography (``EU-``). Mantle meters are
  ``<model id>-mantle-<input|output|cache-read|cache-write>-tokens[-1h][-global][-<tier>]``.
  AgentCore (``Runtime:Consumption-based:vCPU``) and Knowledge Base
  (``Knowledge-Base:Consumption-based:Retrieval``) meters are Bedrock charges without a model:
  charges ``agentcore_usage`` / ``knowledge_base_usage``, never token charges.
* **Marketplace**: ``[<REG>-MP:]<REG>_<meter>-Units`` with meters in two generations
  (``InputTokenCount_Global``, ``CacheWrite1hInputTokenCount``, ``MillionBatchInputTokens``;
  ``input_tokens_global_standard``, ``cache_write_tokens_1h_global_standard``). The usage type
  does not name the model: the product name does.

The model segment is a *billing name*, not a model id. Billing names and Marketplace product
names map to base model ids through an explicit, versioned table
(``reconciler/data/billing_names.csv``) that users extend with their own CSV
(``[invoices] billing_names``). A name missing from the table is returned with ``base_model``
None so the reconciliation surfaces it as ``unmapped_usage_type``; nothing is ever matched by
resemblance, because a wrong guess would silently move money between models.

Quantities: AmazonBedrock token usage types are billed per 1,000 tokens and Marketplace ``-Units``
per 1,000,000 (formats.md §4.5, UNCONFIRMED: the invoice ingest cross-checks the rate and lets
``pricing_unit`` override these defaults).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from reconciler.core.errors import ConfigError
from reconciler.core.vocabulary import CHARGES as VOCABULARY_CHARGES

__all__ = [
    "AMAZON_BEDROCK_TOKENS_PER_UNIT",
    "CHARGES",
    "GEOGRAPHY_PREFIXES",
    "MARKETPLACE_TOKENS_PER_UNIT",
    "NON_MODEL_KINDS",
    "REGION_PREFIXES",
    "BillingNames",
    "LearnedRow",
    "UsageTypeInfo",
    "bundled_billing_names",
    "learned_rows",
    "load_billing_names",
    "parse_usage_type",
    "render_usage_type",
    "self_described",
]

AMAZON_BEDROCK_TOKENS_PER_UNIT = 1_000
"""AmazonBedrock token usage types are billed in thousands of tokens (Price List unit 1K tokens)."""
MARKETPLACE_TOKENS_PER_UNIT = 1_000_000
"""Marketplace ``-Units`` token meters are billed in millions ("Million Input Tokens ...")."""

CHARGES = frozenset(VOCABULARY_CHARGES)
"""The CONTRACT charge vocabulary."""

REGION_PREFIXES: dict[str, str] = {
    "USE1": "us-east-1",
    "USE2": "us-east-2",
    "USW1": "us-west-1",
    "USW2": "us-west-2",
    "UGW1": "us-gov-west-1",
    "UGE1": "us-gov-east-1",
    "CAN1": "ca-central-1",
    "CAN2": "ca-west-1",
    "EUW1": "eu-west-1",
    "EUW2": "eu-west-2",
    "EUW3": "eu-west-3",
    "EUC1": "eu-central-1",
    "EUC2": "eu-central-2",
    "EUN1": "eu-north-1",
    "EUS1": "eu-south-1",
    "EUS2": "eu-south-2",
    "APE1": "ap-east-1",
    "APN1": "ap-northeast-1",
    "APN2": "ap-northeast-2",
    "APN3": "ap-northeast-3",
    "APS1": "ap-southeast-1",
    "APS2": "ap-southeast-2",
    "APS3": "ap-south-1",
    "APS4": "ap-southeast-3",
    "APS5": "ap-south-2",
    "APS6": "ap-southeast-4",
    "SAE1": "sa-east-1",
    "MES1": "me-south-1",
    "MEC1": "me-central-1",
    "AFS1": "af-south-1",
    "ILC1": "il-central-1",
}
"""Usage-type region prefix -> AWS Region code. An unknown prefix gives region None (the row's
own region column, when it has one, is used instead)."""

GEOGRAPHY_PREFIXES = frozenset({"EU", "US", "APAC", "AP", "JP", "AU", "CA", "GLOBAL"})
"""Prefixes that name a geography, not a Region (``EU-Qwen3-32B-output-tokens-batch``): region
None, so the row's own region column decides (billing-vocabulary.md §1). Not eu-west-1: that
reading ("EU" as in EC2's legacy ``EU-BoxUsage``) would move EU batch spend to the wrong Region."""


@dataclass(frozen=True)
class UsageTypeInfo:
    """What one usage type bills. ``base_model`` None means the name is not in the mapping."""

    usage_type: str
    scheme: str
    """``amazon_bedrock`` or ``marketplace``."""
    region: str | None
    billing_model_name: str | None
    """Model segment of the usage type; for Marketplace rows the product name."""
    base_model: str | None
    charge: str
    """CONTRACT vocabulary; ``other`` when the usage type's charge is not understood."""
    mode: str
    """on_demand | batch | provisioned | custom_import"""
    tier: str
    """standard | priority | flex"""
    routing: str | None
    """regional | global; None for charges that are not per model call."""
    tokens_per_unit: int | None
    """Tokens per billed unit (scheme default); None for non-token charges."""
    kind: str
    """token | image | guardrail | provisioned | storage | training | custom_import | agentcore |
    knowledge_base | unknown (the shape is Bedrock's, the pattern is not one we know)."""
    endpoint: str = "runtime"
    """runtime | mantle (the OpenAI-compatible endpoint, which invocation logs do not cover)."""
    latency_optimized: bool = False
    context_tier: str = "standard"
    """standard | long (``-long-context``: the model's long-context prices)."""
    region_code: str | None = None
    """The usage type's region prefix as written (``USE1``, ``EU``)."""
    geography: str | None = None
    """Set when the prefix is a geography (``EU``) rather than a Region; region is then None."""
    suffixes: tuple[str, ...] = ()
    """The token suffixes read, in canonical order (``long-context``, ``cross-region-global``)."""
    explicit_tier: bool = False
    """The usage type spells its tier out (``-standard``) rather than implying it."""
    image_meter: str | None = None
    """``input`` / ``output`` for ``<Model>-input-image`` meters."""
    meter: str | None = None
    """The Marketplace meter as written (``InputTokenCount_Global``)."""

    @property
    def mapped(self) -> bool:
        """True when the charge is understood and, for model charges, the model is known."""
        if self.charge == "other" or self.kind == "unknown":
            return False
        return self.kind in NON_MODEL_KINDS or self.base_model is not None


@dataclass(frozen=True)
class _Name:
    base_model: str
    charge: str | None


LearnedRow = tuple[str, str, str, str | None]
"""(name_type, name, base_model, charge) as stored in table ``billing_name_map``."""

NAME_TYPES = ("billing_name", "product_name", "usage_type")


@dataclass(frozen=True)
class BillingNames:
    """The billing-name, product-name and usage-type -> base-model table.

    Layers, later wins: the bundled CSV, rows learned into table ``billing_name_map`` (the Price
    List import), the user's CSV (``[invoices] billing_names``).
    """

    billing: dict[str, _Name] = field(default_factory=dict)
    products: dict[str, _Name] = field(default_factory=dict)
    usage_types: dict[str, _Name] = field(default_factory=dict)
    """Whole usage types (``USE1-Llama3-3-70B-input-tokens``) whose model is known directly."""

    def billing_name(self, name: str) -> _Name | None:
        return self.billing.get(name)

    def usage_type(self, usage_type: str) -> _Name | None:
        return self.usage_types.get(usage_type)

    def extended(self, rows: Iterable[LearnedRow]) -> BillingNames:
        """A copy with ``rows`` added over this table (a row wins over the same name here).

        This is how other stages feed names in: the Price List import stores what it learned
        in table ``billing_name_map`` and :func:`learned_rows` reads it back for this call.
        """
        out = BillingNames(dict(self.billing), dict(self.products), dict(self.usage_types))
        for kind, name, base, charge in rows:
            _add(out, kind, name.strip(), base.strip(), charge or None)
        return out

    def product(self, product_name: str | None) -> _Name | None:
        if not product_name:
            return None
        return self.products.get(_norm_product(product_name))


def _norm_product(name: str) -> str:
    # Whitespace only: the same name with a doubled space is the same name, not a resemblance.
    return " ".join(name.split())


_COLUMNS = ("name_type", "name", "base_model", "charge", "source", "notes")


def _read_names(text: str, origin: str, into: BillingNames) -> None:
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("name_type", "name", "base_model") if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(
            f"{origin}: missing column(s) {', '.join(missing)}; "
            f"the header must be {','.join(_COLUMNS)}"
        )
    for line, row in enumerate(reader, start=2):
        kind = (row.get("name_type") or "").strip()
        name = (row.get("name") or "").strip()
        base = (row.get("base_model") or "").strip()
        charge = (row.get("charge") or "").strip() or None
        if kind not in NAME_TYPES:
            raise ConfigError(
                f"{origin}:{line}: name_type '{kind}' must be billing_name, product_name "
                "or usage_type"
            )
        if not name or not base:
            raise ConfigError(f"{origin}:{line}: name and base_model must not be empty")
        if charge is not None and charge not in CHARGES:
            raise ConfigError(f"{origin}:{line}: charge '{charge}' is not in the vocabulary")
        _add(into, kind, name, base, charge)


def _add(into: BillingNames, kind: str, name: str, base: str, charge: str | None) -> None:
    if kind == "billing_name":
        into.billing[name] = _Name(base, charge)
    elif kind == "product_name":
        into.products[_norm_product(name)] = _Name(base, charge)
    elif kind == "usage_type":
        into.usage_types[name] = _Name(base, charge)
    # any other name_type (a newer tool's table) is ignored rather than misread


@cache
def bundled_billing_names() -> BillingNames:
    """The table shipped in ``reconciler/data/billing_names.csv``."""
    names = BillingNames()
    text = resources.files("reconciler").joinpath("data/billing_names.csv").read_text("utf-8")
    _read_names(text, "reconciler/data/billing_names.csv", names)
    return names


def learned_rows(con: duckdb.DuckDBPyConnection) -> list[LearnedRow]:
    """Rows of table ``billing_name_map`` (filled by the Price List import), oldest first."""
    rows = con.execute(
        "SELECT name_type, name, base_model, charge FROM billing_name_map "
        "ORDER BY learned_at, name_type, name"
    ).fetchall()
    return [(str(k), str(n), str(b), None if c is None else str(c)) for k, n, b, c in rows]


def load_billing_names(
    user_file: str | None = None, learned: Iterable[LearnedRow] = ()
) -> BillingNames:
    """Bundled table, then ``learned`` rows, then a user CSV with the same header (later wins)."""
    bundled = bundled_billing_names()
    rows = list(learned)
    if user_file is None and not rows:
        return bundled
    names = bundled.extended(rows)
    if user_file is None:
        return names
    path = Path(user_file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"billing-name file {user_file} cannot be read ({exc.strerror}); "
            "fix [invoices] billing_names"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"billing-name file {user_file}: not UTF-8 text (byte offset {exc.start}); "
            "save it as UTF-8"
        ) from exc
    _read_names(text, user_file, names)
    return names


# --- the grammars -------------------------------------------------------------------------------

_BEDROCK = re.compile(r"^(?P<reg>[A-Z]{2,4}[0-9]?)-(?P<rest>.+)$")
_TOKEN_TYPE = re.compile(
    r"-(?P<type>cache-read-input-token-count|cache-write-input-token-count"
    r"|input-tokens|output-tokens)(?:-(?P<suffix>.+))?$"
)
_TOKEN_CHARGE = {
    "cache-read-input-token-count": "cache_read_input_tokens",
    "cache-write-input-token-count": "cache_write_input_tokens",
    "input-tokens": "input_tokens",
    "output-tokens": "output_tokens",
}
_CHARGE_TOKEN = {v: k for k, v in _TOKEN_CHARGE.items()}
# Longest first so that "cross-region-global" wins over "global" and "global-standard" over both.
_SUFFIXES = (
    "cross-region-global",
    "cross-region-geo",
    "latency-optimized",
    "global-standard",
    "long-context",
    "priority",
    "standard",
    "global",
    "batch",
    "flex",
)
_LATENCY_NAME = "-LatencyOptimized"
# Mantle: <model id>-mantle-<meter>[-1h][-global][-<tier>]
_MANTLE_METER = re.compile(
    r"^(?P<meter>input-tokens|output-tokens|cache-read-tokens|cache-write-tokens)"
    r"(?P<h1>-1h)?(?P<glob>-global)?(?:-(?P<tier>standard|priority|flex))?$"
)
_MANTLE_CHARGE = {
    "input-tokens": "input_tokens",
    "output-tokens": "output_tokens",
    "cache-read-tokens": "cache_read_input_tokens",
    "cache-write-tokens": "cache_write_input_tokens",
}
_IMAGE_METER = re.compile(r"-(?P<dir>input|output)-image$")
_MARKETPLACE = re.compile(
    r"^(?:(?P<reg1>[A-Z]{2,4}[0-9]?)-MP:)?(?P<reg>[A-Z]{2,4}[0-9]?)_(?P<meter>.+)-Units$"
)
_WORDS = re.compile(r"[0-9]+[a-z]*|[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
# Bedrock features that are not model inference: never token charges (billing-vocabulary §2).
_AGENTCORE_FEATURES = (
    "Runtime:",
    "Gateway:",
    "Memory:",
    "Identity:",
    "Browser:",
    "CodeInterpreter:",
    "Policy:",
    "Evaluations:",
    "Observability:",
)
_KNOWLEDGE_BASE = "Knowledge-Base:"
NON_MODEL_KINDS = frozenset({"guardrail", "agentcore", "knowledge_base"})
"""Kinds that are Bedrock charges without a model: understood (mapped) with no base model."""


def parse_usage_type(
    usage_type: str,
    product_name: str | None = None,
    *,
    names: BillingNames | None = None,
    product_code: str | None = None,
) -> UsageTypeInfo | None:
    """Parse a billing usage type; None when it follows neither Bedrock grammar.

    ``product_name`` names the model of Marketplace rows; ``product_code`` (or a product name
    naming AgentCore) marks AgentCore rows. ``names`` defaults to the bundled billing-name
    table; pass :func:`load_billing_names` to include learned and user rows. A usage type that
    follows the shape but not a known pattern gives kind ``unknown`` (charge ``other``, not
    mapped): the reconciliation reports it, nothing is guessed.
    """
    table = names if names is not None else bundled_billing_names()
    text = usage_type.strip()
    m = _MARKETPLACE.match(text)
    if m:
        return _marketplace(
            text, m.group("reg1") or m.group("reg"), m.group("meter"), product_name, table
        )
    m = _BEDROCK.match(text)
    if not m:
        return None
    agentcore = product_code == "AmazonBedrockAgentCore" or "AgentCore" in (product_name or "")
    info = _amazon_bedrock(text, m.group("reg"), m.group("rest"), table, agentcore=agentcore)
    direct = table.usage_type(text)
    if direct is not None and info.kind not in NON_MODEL_KINDS:
        # a whole usage type learned from the Price List names its model
        info = replace(info, base_model=direct.base_model)
    return info


def _base(text: str, reg: str | None) -> UsageTypeInfo:
    """An Amazon Bedrock usage type not yet understood (charge other, kind unknown), in the
    Region its prefix ``reg`` names (None: no prefix known)."""
    return UsageTypeInfo(
        usage_type=text,
        scheme="amazon_bedrock",
        region=REGION_PREFIXES.get(reg) if reg else None,
        billing_model_name=None,
        base_model=None,
        charge="other",
        mode="on_demand",
        tier="standard",
        routing=None,
        tokens_per_unit=None,
        kind="unknown",
        region_code=reg,
        geography=reg if reg in GEOGRAPHY_PREFIXES else None,
    )


def _amazon_bedrock(
    text: str, reg: str, rest: str, table: BillingNames, *, agentcore: bool = False
) -> UsageTypeInfo:
    base = _base(text, reg)
    if rest.startswith(_KNOWLEDGE_BASE):
        return replace(base, charge="knowledge_base_usage", kind="knowledge_base")
    if agentcore or rest.startswith(_AGENTCORE_FEATURES):
        return replace(base, charge="agentcore_usage", kind="agentcore")
    at = rest.find("-mantle-")
    if at > 0:
        return _mantle(base, rest[:at], rest[at + len("-mantle-") :], table)
    tok = _TOKEN_TYPE.search(rest)
    if tok is not None:
        model, latency = _model_segment(rest[: tok.start()])
        entry = table.billing_name(model)
        info = replace(
            base,
            billing_model_name=model,
            base_model=entry.base_model if entry else None,
            charge=_TOKEN_CHARGE[tok.group("type")],
            routing="regional",
            tokens_per_unit=AMAZON_BEDROCK_TOKENS_PER_UNIT,
            kind="token",
            latency_optimized=latency,
        )
        return _apply_suffixes(info, tok.group("suffix") or "")
    img = _IMAGE_METER.search(rest)
    if img is not None:
        model = rest[: img.start()]
        entry = table.billing_name(model)
        return replace(
            base,
            billing_model_name=model,
            base_model=entry.base_model if entry else None,
            charge="images",
            kind="image",
            routing="regional",
            image_meter=img.group("dir"),
        )
    return _bedrock_non_token(base, rest, table)


def _model_segment(model: str) -> tuple[str, bool]:
    """(billing name, latency optimized): ``Llama3-1-70B-LatencyOptimized`` names Llama3-1-70B."""
    if model.endswith(_LATENCY_NAME) and len(model) > len(_LATENCY_NAME):
        return model.removesuffix(_LATENCY_NAME), True
    return model, False


def _mantle(base: UsageTypeInfo, model: str, meter: str, table: BillingNames) -> UsageTypeInfo:
    """``<model id>-mantle-<meter>``: the model id is verbatim up to ``-mantle``.

    The table may name the logged spelling of that id (``openai.gpt-oss-120b`` is logged as
    ``openai.gpt-oss-120b-1:0``); otherwise the embedded id is the model, as AWS wrote it.
    """
    entry = table.billing_name(model)
    info = replace(
        base,
        billing_model_name=model,
        base_model=entry.base_model if entry else model,
        endpoint="mantle",
        routing="regional",
    )
    m = _MANTLE_METER.match(meter)
    if m is None:
        return info  # kind unknown: a meter we have not seen
    charge = _MANTLE_CHARGE[m.group("meter")]
    if m.group("h1"):
        if charge != "cache_write_input_tokens":
            return info
        charge = "cache_write_1h_input_tokens"
    return replace(
        info,
        charge=charge,
        kind="token",
        tokens_per_unit=AMAZON_BEDROCK_TOKENS_PER_UNIT,
        routing="global" if m.group("glob") else "regional",
        tier=m.group("tier") or "standard",
        explicit_tier=m.group("tier") is not None,
    )


def _apply_suffixes(info: UsageTypeInfo, suffix: str) -> UsageTypeInfo:
    changes: dict[str, Any] = {}
    rest = suffix
    seen: set[str] = set()
    while rest:
        part = next((s for s in _SUFFIXES if rest == s or rest.startswith(s + "-")), None)
        if part is None or part in seen:  # an unknown (or doubled) suffix: say so
            return replace(info, charge="other", kind="unknown", tokens_per_unit=None)
        seen.add(part)
        rest = rest[len(part) + 1 :]
        if part in ("cross-region-global", "global"):
            changes["routing"] = "global"
        elif part == "global-standard":
            changes.update(routing="global", tier="standard", explicit_tier=True)
        elif part == "cross-region-geo":
            changes["routing"] = "regional"  # geo bills under the regional usage type
        elif part in ("priority", "standard", "flex"):
            changes.update(tier=part, explicit_tier=True)
        elif part == "batch":
            changes["mode"] = "batch"
        elif part == "latency-optimized":
            changes["latency_optimized"] = True
        elif part == "long-context":
            changes["context_tier"] = "long"
    return replace(info, suffixes=tuple(_order(seen)), **changes)


def _order(seen: set[str]) -> list[str]:
    return [s for s in _RENDER_ORDER if s in seen]


# The order suffixes are rendered in (as AWS chains them: long-context-cross-region-global,
# cross-region-global-batch).
_RENDER_ORDER = (
    "long-context",
    "latency-optimized",
    "cross-region-global",
    "cross-region-geo",
    "global-standard",
    "global",
    "batch",
    "priority",
    "flex",
    "standard",
)


def _bedrock_non_token(base: UsageTypeInfo, rest: str, table: BillingNames) -> UsageTypeInfo:
    if rest.startswith("Guardrail-") and rest.endswith("UnitsConsumed"):
        return replace(base, charge="guardrail_text_units", kind="guardrail")
    if rest.startswith("OSS-CustomModelImport"):
        return replace(
            base, charge="custom_model_unit_minutes", mode="custom_import", kind="custom_import"
        )
    for marker, changes in (
        ("-ProvisionedThroughput-", {"charge": "model_unit_hours", "kind": "provisioned"}),
        ("-Customization-Storage", {"charge": "storage_months", "kind": "storage"}),
        ("-Customization-Training", {"charge": "training_tokens", "kind": "training"}),
        ("-Training", {"kind": "training"}),
    ):
        at = rest.find(marker)
        if at > 0:
            model = rest[:at]
            entry = table.billing_name(model)
            extra: dict[str, Any] = dict(changes)
            if changes.get("kind") == "provisioned":
                extra["mode"] = "provisioned"
                if not rest.endswith("-ModelUnits"):
                    extra.update(charge="other", kind="unknown")
            if marker == "-Customization-Training" and rest != model + marker:
                extra.update(charge="other", kind="unknown")  # a training meter not seen yet
            return replace(
                base,
                billing_model_name=model,
                base_model=entry.base_model if entry else None,
                **extra,
            )
    entry = table.billing_name(rest)
    if entry is not None and entry.charge == "images":
        return replace(
            base,
            billing_model_name=rest,
            base_model=entry.base_model,
            charge="images",
            kind="image",
            routing="regional",
        )
    return replace(base, billing_model_name=rest, base_model=entry.base_model if entry else None)


def _marketplace(
    text: str, reg: str, meter: str, product_name: str | None, table: BillingNames
) -> UsageTypeInfo:
    words = [w.lower() for w in _WORDS.findall(meter)]
    entry = table.product(product_name)
    info = UsageTypeInfo(
        usage_type=text,
        scheme="marketplace",
        region=REGION_PREFIXES.get(reg),
        billing_model_name=_norm_product(product_name) if product_name else None,
        base_model=entry.base_model if entry else None,
        charge="other",
        mode="on_demand",
        tier="standard",
        routing="regional",
        tokens_per_unit=None,
        kind="unknown",
        region_code=reg,
        meter=meter,
    )
    return replace(info, **_meter_fields(words))


_METER_NOISE = frozenset({"count", "units", "million", "usage", "5m"})
_METER_KNOWN = frozenset(
    {
        "token", "tokens", "input", "output", "cache", "read", "write", "1h", "global", "batch",
        "standard", "priority", "flex",
    }
) | _METER_NOISE  # fmt: skip


def _meter_fields(words: list[str]) -> dict[str, Any]:
    """Interpret a Marketplace meter by its words; any word not understood -> kind unknown."""
    w = set(words)
    if {"provisioned", "throughput"} <= w:
        return {
            "charge": "model_unit_hours",
            "kind": "provisioned",
            "mode": "provisioned",
            "routing": None,
        }
    if words[:2] == ["created", "image"]:
        # USE1_created_image_stable_image_core: an image model's images (the rest names its
        # quality/variant, which the product name already says)
        return {"charge": "images", "kind": "image"}
    if not w & {"token", "tokens"} or w - _METER_KNOWN:
        return {"routing": None}
    out: dict[str, Any] = {"kind": "token", "tokens_per_unit": MARKETPLACE_TOKENS_PER_UNIT}
    if "cache" in w and "read" in w:
        out["charge"] = "cache_read_input_tokens"
    elif "cache" in w and "write" in w:
        out["charge"] = "cache_write_1h_input_tokens" if "1h" in w else "cache_write_input_tokens"
    elif "input" in w and "output" not in w:
        out["charge"] = "input_tokens"
    elif "output" in w and "input" not in w:
        out["charge"] = "output_tokens"
    else:
        return {"routing": None}
    if "global" in w:
        out["routing"] = "global"
    if "batch" in w:
        out["mode"] = "batch"
    for tier in ("priority", "flex", "standard"):
        if tier in w:
            out["tier"] = tier
            out["explicit_tier"] = True
            break
    return out


# --- rendering (the inverse, for tests and for documentation) ----------------------------------


def render_usage_type(info: UsageTypeInfo) -> str | None:
    """A usage type that parses back to ``info``'s fields (None for kinds without a grammar).

    Not necessarily the original string: suffixes come out in one canonical order and a
    Marketplace meter in the newer generation's words.
    """
    reg = info.region_code
    if reg is None:
        return None
    if info.scheme == "marketplace":
        return _render_marketplace(info, reg)
    if info.billing_model_name is None:
        return None
    model = info.billing_model_name or ""
    if info.kind == "token" and info.endpoint == "mantle":
        meter = {
            "input_tokens": "input-tokens",
            "output_tokens": "output-tokens",
            "cache_read_input_tokens": "cache-read-tokens",
            "cache_write_input_tokens": "cache-write-tokens",
            "cache_write_1h_input_tokens": "cache-write-tokens-1h",
        }[info.charge]
        glob = "-global" if info.routing == "global" else ""
        tier = f"-{info.tier}" if info.explicit_tier or info.tier != "standard" else ""
        return f"{reg}-{model}-mantle-{meter}{glob}{tier}"
    if info.kind == "token":
        name = model + (
            _LATENCY_NAME if info.latency_optimized and not _has(info, "latency-optimized") else ""
        )
        return f"{reg}-{name}-{_CHARGE_TOKEN[info.charge]}" + "".join(
            f"-{s}" for s in info.suffixes
        )
    if info.kind == "image" and info.image_meter:
        return f"{reg}-{model}-{info.image_meter}-image"
    if info.kind == "training" and info.charge == "training_tokens":
        return f"{reg}-{model}-Customization-Training"
    return None


def _has(info: UsageTypeInfo, suffix: str) -> bool:
    return suffix in info.suffixes


def _render_marketplace(info: UsageTypeInfo, reg: str) -> str | None:
    if info.kind != "token":
        return None
    meter = {
        "input_tokens": "input_tokens",
        "output_tokens": "output_tokens",
        "cache_read_input_tokens": "cache_read_tokens",
        "cache_write_input_tokens": "cache_write_tokens",
        "cache_write_1h_input_tokens": "cache_write_tokens_1h",
    }[info.charge]
    parts = [("batch_" if info.mode == "batch" else "") + meter]
    if info.routing == "global":
        parts.append("global")
    if info.explicit_tier or info.tier != "standard":
        parts.append(info.tier)
    return f"{reg}-MP:{reg}_{'_'.join(parts)}-Units"


# --- bills that describe themselves ------------------------------------------------------------

_EDITION = " (Amazon Bedrock Edition)"


def _words(text: str | None) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", (text or "").lower()))


def _described_charge(inference_type: str | None) -> tuple[str, str] | None:
    """(charge, kind) from a CUR 2.0 ``inference_type`` such as "Input tokens"; None if unclear."""
    w = _words(inference_type)
    if "cache" in w and "read" in w:
        return "cache_read_input_tokens", "token"
    if "cache" in w and "write" in w:
        one_hour = "1h" in w or ({"1", "hour"} <= w)
        return ("cache_write_1h_input_tokens" if one_hour else "cache_write_input_tokens"), "token"
    if w & {"token", "tokens"} and "input" in w and "output" not in w:
        return "input_tokens", "token"
    if w & {"token", "tokens"} and "output" in w and "input" not in w:
        return "output_tokens", "token"
    if w & {"image", "images"}:
        return "images", "image"
    return None


def self_described(
    info: UsageTypeInfo | None,
    usage_type: str | None,
    model: str | None,
    inference_type: str | None,
    feature: str | None,
    *,
    names: BillingNames | None = None,
) -> UsageTypeInfo | None:
    """Complete a parse with what the row says about itself (CUR 2.0 ``product`` map keys
    ``model``, ``inference_type``, ``feature``; FOCUS SkuPriceDetails when present).

    The grammar wins where it understood the usage type; the row's own description fills in
    only what it could not: a charge for a usage type of no known pattern (kind ``unknown`` or
    no Bedrock grammar at all), and a model for a billing name no table knows, when the display
    name is a known product ("Claude Sonnet 4.5" -> the "(Amazon Bedrock Edition)" row). A
    display name no table knows stays for :mod:`reconciler.ingest.invoice_models` to match
    against the logged models.
    """
    table = names if names is not None else bundled_billing_names()
    described = _described_charge(inference_type)
    if (info is None or info.kind == "unknown") and described is not None and usage_type:
        charge, kind = described
        base = info or _base(usage_type, None)
        fw = _words(feature) | _words(inference_type)
        info = replace(
            base,
            charge=charge,
            kind=kind,
            routing="global" if fw & {"global", "cross"} else "regional",
            mode="batch" if "batch" in fw else "on_demand",
            tier=next((t for t in ("priority", "flex") if t in fw), "standard"),
            latency_optimized="latency" in fw,
            tokens_per_unit=(
                (
                    MARKETPLACE_TOKENS_PER_UNIT
                    if base.scheme == "marketplace"
                    else AMAZON_BEDROCK_TOKENS_PER_UNIT
                )
                if kind == "token"
                else None
            ),
            billing_model_name=base.billing_model_name or model,
        )
    if info is not None and info.base_model is None and model and info.kind not in NON_MODEL_KINDS:
        entry = table.product(model) or table.product(model + _EDITION)
        if entry is not None:
            info = replace(info, base_model=entry.base_model)
    return info
