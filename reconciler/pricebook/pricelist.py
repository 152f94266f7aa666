"""Import from the AWS Price List: bulk offer files and the Pricing API (GetProducts).

Input: products with on-demand terms from the ``AmazonBedrock`` offer (first-party and open-weight
models; token prices per ``1K tokens``) and the ``AmazonBedrockFoundationModels`` offer
(Marketplace "Bedrock Edition" models such as Claude; unit ``Units`` = 1M tokens). Output: layer
``price_list`` rows of ``prices`` (source = the SKU, effective_from = the term's
``effectiveDate``) and, for every SKU that cannot be mapped to a price key, a row in
``price_list_unmapped`` with the reason.

Mapping is explicit: the usage type's grammar (formats.md §4.3) gives charge, mode, tier and
routing; the model comes from a small versioned table of billing names (AmazonBedrock) and
product names (FoundationModels). Anything not in the table is *reported*, never matched by
resemblance. NOTE: the invoice stage's ``reconciler.usage_types`` (parse_usage_type and its
billing-name table) was not on main when this was written; ``_map_usage_type`` and the two
tables below are the seam the integrator replaces with it.

History: an import merges into the layer. For one key, entries are chained by effective_from
(each ends where the next begins), an entry with the same key and date is replaced, and keys the
import does not mention are kept. So importing a newer offer closes the old price instead of
overlapping it, and re-importing the same offer changes nothing (same price ids).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from reconciler.db.connect import transaction
from reconciler.errors import SourceError, SourceUnavailable
from reconciler.pricebook.entries import PriceEntry, PriceKey
from reconciler.pricebook.store import read_entries, replace_entries
from reconciler.runs import StageResult

__all__ = [
    "BILLING_NAMES",
    "PRODUCT_NAMES",
    "SERVICE_CODES",
    "ImportReport",
    "Unmapped",
    "fetch_api_products",
    "import_price_list",
    "map_products",
    "offer_products",
    "read_offer",
]

SERVICE_CODES = ("AmazonBedrock", "AmazonBedrockFoundationModels")

BILLING_NAMES: dict[str, str] = {
    # usage-type model segment (AmazonBedrock offer) -> base model id; extend with care
    "NovaMicro": "amazon.nova-micro-v1:0",
    "NovaLite": "amazon.nova-lite-v1:0",
    "NovaPro": "amazon.nova-pro-v1:0",
    "NovaPremier": "amazon.nova-premier-v1:0",
    "Nova2.0Lite": "amazon.nova-2-lite-v1:0",
    "TitanEmbeddingV2-Text": "amazon.titan-embed-text-v2:0",
    "TitanTextG1-Lite": "amazon.titan-text-lite-v1",
}
PRODUCT_NAMES: dict[str, str] = {
    # Marketplace product / servicename (FoundationModels offer) -> base model id
    "Claude 3 Haiku (Amazon Bedrock Edition)": "anthropic.claude-3-haiku-20240307-v1:0",
    "Claude 3.5 Haiku (Amazon Bedrock Edition)": "anthropic.claude-3-5-haiku-20241022-v1:0",
    "Claude 3.7 Sonnet (Amazon Bedrock Edition)": "anthropic.claude-3-7-sonnet-20250219-v1:0",
    "Claude Sonnet 4 (Amazon Bedrock Edition)": "anthropic.claude-sonnet-4-20250514-v1:0",
    "Claude Sonnet 4.5 (Amazon Bedrock Edition)": "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "Claude Haiku 4.5 (Amazon Bedrock Edition)": "anthropic.claude-haiku-4-5-20251001-v1:0",
}

_FIRST_PARTY = re.compile(
    r"^(?P<reg>[A-Z0-9]+)-(?P<name>.+?)-(?P<kind>input-tokens|output-tokens|"
    r"cache-read-input-token-count|cache-write-input-token-count)(?P<suffix>(-[a-z0-9-]+)?)$"
)
_FIRST_PARTY_KIND = {
    "input-tokens": "input_tokens",
    "output-tokens": "output_tokens",
    "cache-read-input-token-count": "cache_read_input_tokens",
    "cache-write-input-token-count": "cache_write_input_tokens",
}
_MP_OLD = {
    "InputTokenCount": ("input_tokens", "on_demand"),
    "OutputTokenCount": ("output_tokens", "on_demand"),
    "CacheReadInputTokenCount": ("cache_read_input_tokens", "on_demand"),
    "CacheWriteInputTokenCount": ("cache_write_input_tokens", "on_demand"),
    "MillionBatchInputTokens": ("input_tokens", "batch"),
    "MillionBatchOutputTokens": ("output_tokens", "batch"),
}
_MP_NEW = re.compile(
    r"^(?P<kind>input_tokens|output_tokens|cache_read_tokens|cache_write_tokens(?P<h1>_1h)?)"
    r"(?P<glob>_global)?_(?P<tier>standard|priority|flex)$"
)
_MP_NEW_KIND = {
    "input_tokens": "input_tokens",
    "output_tokens": "output_tokens",
    "cache_read_tokens": "cache_read_input_tokens",
    "cache_write_tokens": "cache_write_input_tokens",
    "cache_write_tokens_1h": "cache_write_1h_input_tokens",
}


@dataclass(frozen=True)
class Unmapped:
    service_code: str
    sku: str
    region_code: str | None
    usage_type: str | None
    reason: str


@dataclass(frozen=True)
class _Mapped:
    base_model: str
    routing: str
    tier: str
    mode: str
    charge: str


@dataclass
class ImportReport:
    entries: list[PriceEntry]
    unmapped: list[Unmapped]
    products: int


def _map_first_party(usage_type: str) -> _Mapped | str:
    m = _FIRST_PARTY.match(usage_type)
    if not m:
        return "usage type is not a token charge we price (images, guardrails, PT, ...)"
    name = m.group("name")
    base = BILLING_NAMES.get(name)
    if base is None:
        return f"billing name {name} not in the billing-name table"
    tier, mode, routing = "standard", "on_demand", "regional"
    for part in filter(None, m.group("suffix").split("-cross-region-")):
        if part == "global":
            routing = "global"
            continue
        for word in part.strip("-").split("-"):
            if word == "batch":
                mode = "batch"
            elif word == "global":
                routing = "global"
            elif word in ("flex", "priority", "standard"):
                tier = word
            else:
                return f"suffix '{m.group('suffix')}' not understood"
    return _Mapped(base, routing, tier, mode, _FIRST_PARTY_KIND[m.group("kind")])


def _map_marketplace(usage_type: str, product_name: str | None) -> _Mapped | str:
    base = PRODUCT_NAMES.get(product_name or "")
    if base is None:
        return f"product {product_name!r} not in the product-name table"
    m = re.match(r"^(?:[A-Z0-9]+-MP:)?[A-Z0-9]+_(?P<rest>.+)-Units$", usage_type)
    if not m:
        return "not a Marketplace '<REG>_..._Units' usage type"
    rest = m.group("rest")
    routing = "regional"
    if rest.endswith("_Global"):
        rest, routing = rest.removesuffix("_Global"), "global"
    if rest in _MP_OLD:
        charge, mode = _MP_OLD[rest]
        return _Mapped(base, routing, "standard", mode, charge)
    n = _MP_NEW.match(rest)
    if not n:
        return f"Marketplace usage type part '{rest}' not understood"
    kind = n.group("kind")
    return _Mapped(
        base,
        "global" if n.group("glob") else "regional",
        n.group("tier"),
        "on_demand",
        _MP_NEW_KIND[kind],
    )


def _map_usage_type(service_code: str, usage_type: str, product_name: str | None) -> _Mapped | str:
    """The seam for ``reconciler.usage_types.parse_usage_type`` once it lands on main."""
    if service_code == "AmazonBedrockFoundationModels" or "-MP:" in usage_type:
        return _map_marketplace(usage_type, product_name)
    return _map_first_party(usage_type)


def _unit(raw: str, description: str, service_code: str) -> str | None:
    """Our unit for a price dimension's unit, or None. ``Units`` is 1M tokens only when the
    description says Million (formats.md §4.5): a guess here would be a ×1,000 error."""
    if raw in ("1K tokens", "1K Tokens"):
        return "1K tokens"
    if raw in ("1M tokens", "1M Tokens"):
        return "1M tokens"
    if raw == "Units" and service_code == "AmazonBedrockFoundationModels":
        return "1M tokens" if "million" in description.lower() else None
    return None


def _effective_date(text: str) -> date:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def _map_one(
    service_code: str, product: dict[str, Any], terms: Sequence[dict[str, Any]], origin: str
) -> PriceEntry | Unmapped:
    attrs = product.get("attributes") or {}
    sku = str(product.get("sku", ""))
    region, usage_type = attrs.get("regionCode"), attrs.get("usagetype")

    def unmapped(reason: str) -> Unmapped:
        return Unmapped(service_code, sku, region, usage_type, reason)

    if not region or not usage_type:
        return unmapped("no regionCode or usagetype attribute")
    product_name = attrs.get("servicename") or attrs.get("productName")
    mapped = _map_usage_type(service_code, usage_type, product_name)
    if isinstance(mapped, str):
        return unmapped(mapped)
    if len(terms) != 1:
        return unmapped(f"{len(terms)} on-demand terms (expected 1)")
    dims = list((terms[0].get("priceDimensions") or {}).values())
    if len(dims) != 1:
        return unmapped(f"{len(dims)} price dimensions (tiered prices are not imported)")
    dim = dims[0]
    unit = _unit(str(dim.get("unit", "")), str(dim.get("description", "")), service_code)
    if unit is None:
        return unmapped(f"unit {dim.get('unit')!r} not understood")
    try:
        price = Decimal(str((dim.get("pricePerUnit") or {})["USD"]))
        start = _effective_date(str(terms[0]["effectiveDate"]))
    except (KeyError, InvalidOperation, ValueError):
        return unmapped("no USD price or effectiveDate")
    if not price.is_finite() or price < 0:
        return unmapped("price is not a finite non-negative number")
    return PriceEntry(
        key=PriceKey(
            mapped.base_model, region, mapped.routing, mapped.tier, mapped.mode, mapped.charge
        ),
        unit=unit,
        price_usd=price,
        effective_from=start,
        effective_to=None,
        layer="price_list",
        source=sku,
        note=f"{service_code} {usage_type}",
        origin=origin,
    )


Product = tuple[str, dict[str, Any], list[dict[str, Any]]]
"""(service code, product, its OnDemand terms)."""


def offer_products(offer: dict[str, Any]) -> Iterator[Product]:
    """Products of a bulk offer file (``products`` + ``terms.OnDemand`` keyed by SKU)."""
    service_code = str(offer.get("offerCode", ""))
    on_demand = (offer.get("terms") or {}).get("OnDemand") or {}
    for sku, product in (offer.get("products") or {}).items():
        code = (product.get("attributes") or {}).get("servicecode") or service_code
        yield code, product, list((on_demand.get(sku) or {}).values())


def api_products(price_list: Iterable[str]) -> Iterator[Product]:
    """Products of GetProducts pages (``PriceList`` is a list of JSON *strings*)."""
    for text in price_list:
        item = json.loads(text)
        product = item.get("product") or {}
        code = item.get("serviceCode") or (product.get("attributes") or {}).get("servicecode", "")
        on_demand = (item.get("terms") or {}).get("OnDemand") or {}
        yield str(code), product, list(on_demand.values())


def map_products(products: Iterable[Product], origin: str) -> ImportReport:
    """Map products to price entries; duplicates collapse, contradictions are reported."""
    by_key: dict[tuple[PriceKey, date], list[PriceEntry]] = defaultdict(list)
    unmapped: list[Unmapped] = []
    count = 0
    for code, product, terms in products:
        count += 1
        got = _map_one(code, product, terms, origin)
        if isinstance(got, Unmapped):
            unmapped.append(got)
        else:
            by_key[(got.key, got.effective_from)].append(got)
    entries = []
    for group in by_key.values():
        prices = {(e.unit, e.price_usd * e.unit_factor) for e in group}
        if len(prices) == 1:
            entries.append(group[0])
            continue
        skus = ", ".join(sorted(e.source for e in group))
        for e in group:
            unmapped.append(
                Unmapped(
                    e.note.split()[0],
                    e.source,
                    e.key.region,
                    e.note.split()[-1],
                    f"SKUs {skus} give {e.key.describe()} different prices",
                )
            )
    return ImportReport(entries, unmapped, count)


def read_offer(location: str) -> dict[str, Any]:
    """A bulk offer file from a local path, ``file://`` or ``https://`` URL."""
    try:
        if location.startswith(("https://", "http://")):
            with urllib.request.urlopen(location, timeout=60) as resp:
                data: dict[str, Any] = json.load(resp)
                return data
        path = location.removeprefix("file://")
        loaded: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        return loaded
    except FileNotFoundError as exc:
        raise SourceError(f"offer file {location} not found; check the path") from exc
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"offer file {location} is not JSON ({exc.msg} at line {exc.lineno})"
        ) from exc
    except OSError as exc:
        raise SourceUnavailable(f"cannot read offer {location}: {exc}; retry later") from exc


def fetch_api_products(client: Any, regions: Sequence[str]) -> Iterator[Product]:
    """GetProducts for both service codes, one regionCode filter each, all pages."""
    from botocore.exceptions import BotoCoreError, ClientError

    for code in SERVICE_CODES:
        for region in regions:
            paginator = client.get_paginator("get_products")
            pages = paginator.paginate(
                ServiceCode=code,
                FormatVersion="aws_v1",
                Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
            )
            try:
                for page in pages:
                    yield from api_products(page.get("PriceList", []))
            except ClientError as exc:
                err = exc.response.get("Error", {}).get("Code", "")
                if err in ("ThrottlingException", "InternalErrorException", "ServiceUnavailable"):
                    raise SourceUnavailable(f"Pricing API {code}: {err}; retry later") from exc
                raise SourceError(f"Pricing API {code}: {err}: {exc}") from exc
            except BotoCoreError as exc:
                raise SourceUnavailable(
                    f"Pricing API {code} unreachable: {exc}; retry later"
                ) from exc


def _chain(entries: list[PriceEntry]) -> list[PriceEntry]:
    """One key's entries in date order, each ending where the next begins."""
    by_start = {e.effective_from: e for e in entries}  # later ones (new import) win
    ordered = [by_start[d] for d in sorted(by_start)]
    chained = []
    for i, e in enumerate(ordered):
        end = ordered[i + 1].effective_from if i + 1 < len(ordered) else e.effective_to
        chained.append(replace(e, effective_to=end))
    return chained


def import_price_list(
    con: duckdb.DuckDBPyConnection, report: ImportReport, origin: str, run_id: str
) -> StageResult:
    """Merge an import into layer ``price_list`` and record its unmapped SKUs."""
    started = time.perf_counter()
    existing = read_entries(con, "price_list")
    groups: dict[PriceKey, list[PriceEntry]] = defaultdict(list)
    for e in existing + report.entries:
        groups[e.key].append(e)
    merged = [c for group in groups.values() for c in _chain(group)]
    before = {e.price_id for e in existing}
    after = {e.price_id for e in merged}
    replace_entries(con, merged, layer="price_list", origins=None, run_id=run_id)
    with transaction(con):
        con.execute("DELETE FROM price_list_unmapped WHERE origin = $o", {"o": origin})
        if report.unmapped:
            con.executemany(
                "INSERT INTO price_list_unmapped VALUES ($o, $code, $sku, $reg, $ut, $why, $run)",
                [
                    {
                        "o": origin,
                        "code": u.service_code,
                        "sku": u.sku,
                        "reg": u.region_code,
                        "ut": u.usage_type,
                        "why": u.reason,
                        "run": run_id,
                    }
                    for u in report.unmapped
                ],
            )
    return StageResult(
        stage="prices.price_list",
        rows_in=report.products,
        rows_out=len(report.entries),
        counts={
            "unmapped": len(report.unmapped),
            "new_price_ids": len(after - before),
            "layer_rows": len(merged),
        },
        seconds=time.perf_counter() - started,
    )
