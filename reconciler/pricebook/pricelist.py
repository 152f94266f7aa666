"""Import from the AWS Price List: bulk offer files and the Pricing API (GetProducts).

Input: products with on-demand terms from the ``AmazonBedrock`` offer (first-party and open-weight
models; token prices per ``1K tokens``) and the ``AmazonBedrockFoundationModels`` offer
(Marketplace "Bedrock Edition" models such as Claude; unit ``Units`` = 1M tokens). Output: layer
``price_list`` rows of ``prices`` (source = the SKU, effective_from = the term's
``effectiveDate``) and, for every SKU that cannot be mapped to a price key, a row in
``price_list_unmapped`` with the reason.

Mapping is explicit and shared with the invoice side:
:func:`reconciler.usage_types.parse_usage_type` reads the usage type's grammar (formats.md
§4.3: charge, mode, tier, routing) and the versioned billing-name / product-name table
(``reconciler/data/billing_names.csv`` plus the user's ``[invoices] billing_names``) gives the
base model. Anything it cannot map (no model in the
table, non-token charges other than images, latency-optimized or Mantle prices, a unit that
disagrees with the usage type) is *reported*, never matched by resemblance.

History: an import merges into the layer. For one key, entries are chained by effective_from
(each ends where the next begins), an entry with the same key and date is replaced, and keys the
import does not mention are kept. So importing a newer offer closes the old price instead of
overlapping it, and re-importing the same offer changes nothing (same price ids).
"""

from __future__ import annotations

import json
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
from reconciler.usage_types import BillingNames, UsageTypeInfo, parse_usage_type

__all__ = [
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


def _map_usage_type(
    usage_type: str, product_name: str | None, names: BillingNames | None
) -> UsageTypeInfo | str:
    """The usage type's key fields, or why it cannot be priced by key."""
    info = parse_usage_type(usage_type, product_name, names=names)
    if info is None:
        return "usage type follows neither Bedrock grammar"
    if info.kind not in ("token", "image") or info.charge == "other":
        return f"{info.kind} charge ({info.charge}) is not imported (no price key for it)"
    if info.base_model is None:
        if info.scheme == "marketplace":
            return f"product {info.billing_model_name!r} not in the billing-name table"
        return f"billing name {info.billing_model_name} not in the billing-name table"
    if info.latency_optimized:
        return "latency-optimized price: the price key has no latency dimension"
    if info.endpoint != "runtime":
        return f"{info.endpoint} endpoint price: its usage is not in invocation logs"
    return info


def _unit(raw: str, description: str, info: UsageTypeInfo) -> str | None:
    """Our unit for a price dimension, checked against the usage type. ``Units`` counts as 1M
    tokens only when the description says Million (formats.md §4.5): a wrong guess here would be
    a x1,000 error, so anything else is reported instead."""
    if info.kind == "image":
        return "image" if raw.lower() in ("image", "images") else None
    per_unit = {"1K tokens": 1_000, "1M tokens": 1_000_000}
    if raw.lower() in ("1k tokens", "1m tokens"):
        unit = "1K tokens" if raw.lower() == "1k tokens" else "1M tokens"
        return unit if info.tokens_per_unit in (None, per_unit[unit]) else None
    if raw == "Units" and info.scheme == "marketplace" and "million" in description.lower():
        return "1M tokens" if info.tokens_per_unit == 1_000_000 else None
    return None


def _effective_date(text: str) -> date:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def _map_one(
    service_code: str,
    product: dict[str, Any],
    terms: Sequence[dict[str, Any]],
    origin: str,
    names: BillingNames | None,
) -> PriceEntry | Unmapped:
    attrs = product.get("attributes") or {}
    sku = str(product.get("sku", ""))
    region, usage_type = attrs.get("regionCode"), attrs.get("usagetype")

    def unmapped(reason: str) -> Unmapped:
        return Unmapped(service_code, sku, region, usage_type, reason)

    if not region or not usage_type:
        return unmapped("no regionCode or usagetype attribute")
    product_name = attrs.get("servicename") or attrs.get("productName")
    mapped = _map_usage_type(usage_type, product_name, names)
    if isinstance(mapped, str):
        return unmapped(mapped)
    if mapped.base_model is None or mapped.routing is None:  # not for token/image kinds
        return unmapped("usage type names no model or routing")
    if len(terms) != 1:
        return unmapped(f"{len(terms)} on-demand terms (expected 1)")
    dims = list((terms[0].get("priceDimensions") or {}).values())
    if len(dims) != 1:
        return unmapped(f"{len(dims)} price dimensions (tiered prices are not imported)")
    dim = dims[0]
    unit = _unit(str(dim.get("unit", "")), str(dim.get("description", "")), mapped)
    if unit is None:
        return unmapped(f"unit {dim.get('unit')!r} not understood for this usage type")
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


def map_products(
    products: Iterable[Product], origin: str, names: BillingNames | None = None
) -> ImportReport:
    """Map products to price entries; duplicates collapse, contradictions are reported.

    ``names`` is the billing-name table (default: the bundled one; pass
    ``load_billing_names(settings.invoices.billing_names)`` to include the user's rows).
    """
    by_key: dict[tuple[PriceKey, date], list[PriceEntry]] = defaultdict(list)
    unmapped: list[Unmapped] = []
    count = 0
    for code, product, terms in products:
        count += 1
        got = _map_one(code, product, terms, origin, names)
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
