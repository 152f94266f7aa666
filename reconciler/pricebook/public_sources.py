"""Read the Bedrock prices of two maintained public price databases, as *files*.

- LiteLLM's ``model_prices_and_context_window_backup.json`` (inside the ``litellm`` wheel):
  per-token float prices keyed by model id, with Region keys (``bedrock/eu-west-1/<id>``), geography
  profile keys (``eu.<id>``, ``apac.<id>``, ``global.<id>``) and bare ids.
- pydantic's ``genai-prices`` package data (``genai_prices/data.py`` inside its wheel, a Python
  literal tree that is *parsed* with :mod:`ast`, never imported or executed): per-million Decimal
  prices of provider ``aws``, with no Regions.

Neither package is a dependency of the reconciler: both are downloaded into a scratch directory
(``pip download --no-deps litellm genai-prices``) and read here only by the generator of the
bundled book (:mod:`reconciler.pricebook.generate`) and by ``reconciler prices check``.

Safeguards (billing-vocabulary.md §4): LiteLLM floats go through ``Decimal(repr(x))`` (``6e-08``
must become exactly 0.00000006, not the binary neighbour); genai-prices has no Regions, so its
prices are compared only with the us-east-1 rows and never become a Regional row; LiteLLM's bare-id
keys of models that also have a ``global.`` key carry the global rate (BerriAI/litellm#42679), so
they are not taken as the in-Region price.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from reconciler.core.errors import SourceError

__all__ = [
    "GENAI_MEMBER",
    "GEO_PREFIXES",
    "LITELLM_MEMBER",
    "PublicPrice",
    "PublicSource",
    "genai_prices",
    "litellm_prices",
    "read_source",
]

LITELLM_MEMBER = "litellm/model_prices_and_context_window_backup.json"
GENAI_MEMBER = "genai_prices/data.py"
PER_MILLION = Decimal(1_000_000)

GEO_PREFIXES: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-1", "us-west-2"),
    "eu": ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1"),
    "apac": ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1"),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
}
"""Geography profile prefix -> source Regions it is sold from (only used to place a geo price)."""

_ID = re.compile(r"^[a-z0-9-]+\.[a-z0-9][a-z0-9._:-]*$")
_REGION_KEY = re.compile(r"^bedrock/([a-z]{2}(?:-gov)?-[a-z]+-\d)/([^/]+)$")
_PREFIX_KEY = re.compile(r"^(us-gov|us|eu|apac|jp|au|ca|in|global)\.(.+)$")
_TOKEN_FIELD = re.compile(
    r"^(?P<what>input|output)_cost_per_token"
    r"(?:_above_(?P<ctx>\d+)k_tokens)?(?:_(?P<var>batches|flex|priority))?$"
)
_CACHE_FIELD = re.compile(
    r"^cache_(?P<what>read|creation)_input_token_cost(?P<h1>_above_1hr)?"
    r"(?:_above_(?P<ctx>\d+)k_tokens)?(?:_(?P<var>batches|flex|priority))?$"
)
LONG_CONTEXT_K = "200"
"""Our ``context_tier = long`` is the 200K-token tier (Claude Sonnet 4 / 4.5); other thresholds
(100K, 272K) have no price key and are not taken."""


@dataclass(frozen=True, order=True)
class PublicPrice:
    """One price of a public source, in our vocabulary, per 1M tokens (or per image).

    ``scope`` says what the source's key covers: ``region`` (a Region key), ``geo:<prefix>``,
    ``global``, ``bare`` (an id with no Region: LiteLLM's default, in practice us-east-1) or
    ``region_blind`` / ``region_blind_regional`` (genai-prices: no Region; the second is its
    ``regional.<id>`` price).
    """

    base_model: str
    scope: str
    region: str | None
    tier: str
    mode: str
    charge: str
    context_tier: str
    price_usd: Decimal
    unit: str
    source_key: str


@dataclass(frozen=True)
class PublicSource:
    name: str
    version: str
    url: str
    prices: tuple[PublicPrice, ...]
    skipped: int


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return Decimal(repr(value))  # repr, not Decimal(float): 6e-08 -> 6E-8 exactly


def _per_million(value: Any) -> Decimal | None:
    d = _decimal(value)
    if d is None or not d.is_finite() or d < 0:
        return None
    return _plain(d * PER_MILLION)


def _plain(d: Decimal) -> Decimal:
    """Normalised without exponent notation (0.06, 15, 0.00875)."""
    n = d.normalize()
    return n.quantize(Decimal(1)) if n == n.to_integral_value() else n


def _field_key(field: str) -> tuple[str, str, str, str] | None:
    """A LiteLLM cost field -> (charge, mode, tier, context_tier), or None when we have no key."""
    m = _TOKEN_FIELD.match(field)
    if m:
        charge = f"{m['what']}_tokens"
    else:
        m = _CACHE_FIELD.match(field)
        if not m:
            return None
        if m["what"] == "read":
            if m["h1"]:
                return None
            charge = "cache_read_input_tokens"
        else:
            charge = "cache_write_1h_input_tokens" if m["h1"] else "cache_write_input_tokens"
    ctx = m["ctx"]
    if ctx is not None and ctx != LONG_CONTEXT_K:
        return None
    var = m["var"]
    mode = "batch" if var == "batches" else "on_demand"
    tier = var if var in ("flex", "priority") else "standard"
    return charge, mode, tier, "long" if ctx else "standard"


def _scope(key: str) -> tuple[str, str | None, str] | None:
    """A LiteLLM key -> (scope, region, base model id), or None for keys we do not read
    (commitments, invoke/converse routes, Mantle, image-size keys, vendor-style ids)."""
    m = _REGION_KEY.match(key)
    if m:
        scope, region, model = "region", m[1], m[2]
    else:
        p = _PREFIX_KEY.match(key)
        if p:
            if p[1] != "global" and p[1] not in GEO_PREFIXES:
                return None  # a geography outside the Regions we place (us-gov, ca, in)
            scope = "global" if p[1] == "global" else f"geo:{p[1]}"
            region, model = None, p[2]
        else:
            scope, region, model = "bare", None, key
    if not _ID.match(model) or model.split(".", 1)[0] in GEO_PREFIXES:
        return None
    return scope, region, model


def litellm_prices(data: dict[str, Any]) -> tuple[list[PublicPrice], int]:
    """Bedrock token and image prices of a LiteLLM price file; and how many keys were skipped."""
    out: list[PublicPrice] = []
    skipped = 0
    for key in sorted(data):
        entry = data[key]
        if not isinstance(entry, dict) or entry.get("litellm_provider") not in (
            "bedrock",
            "bedrock_converse",
        ):
            continue
        where = _scope(key)
        if where is None:
            skipped += 1
            continue
        scope, region, model = where
        for field in sorted(entry):
            if field == "output_cost_per_image":
                d = _decimal(entry[field])
                if d is not None and d >= 0:
                    out.append(
                        PublicPrice(
                            model, scope, region, "standard", "on_demand", "images",
                            "standard", _plain(d), "image", key,
                        )
                    )  # fmt: skip
                continue
            got = _field_key(field)
            price = _per_million(entry[field]) if got else None
            if got is None or price is None:
                continue
            charge, mode, tier, ctx = got
            out.append(
                PublicPrice(model, scope, region, tier, mode, charge, ctx, price, "1M tokens", key)
            )
    return out, skipped


_GENAI_FIELDS = {
    "input_mtok": "input_tokens",
    "output_mtok": "output_tokens",
    "cache_read_mtok": "cache_read_input_tokens",
    "cache_write_mtok": "cache_write_input_tokens",
}


def _literal_decimal(node: ast.expr) -> Decimal | None:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Decimal"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return Decimal(node.args[0].value)
    return None


def _kwargs(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg}


def _call_named(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def genai_prices(source_text: str) -> tuple[list[PublicPrice], int]:
    """Provider ``aws`` prices of genai-prices' ``data.py``, parsed as a syntax tree (never run).

    genai-prices spells a model's Regional price (geo profiles and in-Region, 1.10 x for Claude
    4.5+) as a separate id ``regional.<id>``; the plain id is then the global price.

    Only plain ``ModelPrice(...)`` prices are read; conditional or dated price lists are counted
    as skipped rather than guessed at."""
    tree = ast.parse(source_text)
    out: list[PublicPrice] = []
    skipped = 0
    for provider in ast.walk(tree):
        if not isinstance(provider, ast.Call) or not _call_named(provider, "Provider"):
            continue
        pk = _kwargs(provider)
        pid = pk.get("id")
        if not (isinstance(pid, ast.Constant) and pid.value == "aws"):
            continue
        models = pk.get("models")
        for info in models.elts if isinstance(models, ast.List) else []:
            if not isinstance(info, ast.Call) or not _call_named(info, "ModelInfo"):
                continue
            ik = _kwargs(info)
            mid, prices = ik.get("id"), ik.get("prices")
            if not (isinstance(mid, ast.Constant) and isinstance(mid.value, str)):
                continue
            if not (isinstance(prices, ast.Call) and _call_named(prices, "ModelPrice")):
                skipped += 1
                continue
            for field, node in sorted(_kwargs(prices).items()):
                charge = _GENAI_FIELDS.get(field)
                value = _literal_decimal(node)
                if charge is None or value is None:
                    continue
                regional = mid.value.startswith("regional.")
                out.append(
                    PublicPrice(
                        mid.value.removeprefix("regional."),
                        "region_blind_regional" if regional else "region_blind",
                        None, "standard", "on_demand", charge, "standard", _plain(value),
                        "1M tokens", mid.value,
                    )
                )  # fmt: skip
    return out, skipped


_WHEEL_VERSION = re.compile(r"^(?P<name>[A-Za-z0-9_]+)-(?P<version>[0-9][^-]*)-")


def _wheel_member(path: Path, member: str) -> str:
    with zipfile.ZipFile(path) as zf:
        try:
            return zf.read(member).decode("utf-8")
        except KeyError as exc:
            raise SourceError(f"{path.name} has no {member}; is it the right wheel?") from exc


def _iter_kind(path: Path) -> Iterator[str]:
    name = path.name.lower()
    if name.startswith("litellm") or name.endswith(".json"):
        yield "litellm"
    if name.startswith("genai_prices") or name.endswith(".py"):
        yield "genai-prices"


def read_source(path: str | Path, version: str | None = None) -> PublicSource:
    """A LiteLLM or genai-prices price source: the downloaded wheel (version from its name) or
    the extracted file (``model_prices_and_context_window*.json`` / ``data.py``; give the
    version)."""
    p = Path(path)
    if not p.is_file():
        raise SourceError(f"price source {p} not found; pip download it into a scratch directory")
    kinds = list(_iter_kind(p))
    if len(kinds) != 1:
        raise SourceError(
            f"cannot tell whether {p.name} is LiteLLM or genai-prices; pass the wheel "
            "(litellm-*.whl, genai_prices-*.whl) or a .json / data.py file"
        )
    kind = kinds[0]
    wheel = _WHEEL_VERSION.match(p.name) if p.suffix == ".whl" else None
    ver = version or (wheel["version"] if wheel else "unknown")
    if kind == "litellm":
        text = _wheel_member(p, LITELLM_MEMBER) if wheel else p.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{p.name} is not JSON ({exc.msg} at line {exc.lineno})") from exc
        if not isinstance(data, dict):
            raise SourceError(f"{p.name} is not a LiteLLM price map (top level is not an object)")
        prices, skipped = litellm_prices(data)
        url = f"https://pypi.org/project/litellm/{ver}/"
    else:
        text = _wheel_member(p, GENAI_MEMBER) if wheel else p.read_text(encoding="utf-8")
        try:
            prices, skipped = genai_prices(text)
        except SyntaxError as exc:
            raise SourceError(f"{p.name} is not genai-prices data ({exc.msg})") from exc
        url = f"https://pypi.org/project/genai-prices/{ver}/"
    return PublicSource(kind, ver, url, tuple(sorted(prices)), skipped)
