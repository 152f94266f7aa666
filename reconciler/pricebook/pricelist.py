"""Import from the AWS Price List: bulk offer files and the Pricing API (GetProducts).

Input: products with on-demand terms from the ``AmazonBedrock`` offer (first-party and open-weight
models; token prices per ``1K tokens``) and the ``AmazonBedrockFoundationModels`` offer
(Marketplace "Bedrock Edition" models such as Claude; unit ``Units`` = 1M tokens). Output: layer
``price_list`` rows of ``prices`` (source = the SKU, effective_from = the term's
``effectiveDate``) and, for every SKU that cannot be mapped to a price key, a row in
``price_list_unmapped`` with the reason.

Names: each SKU's model display name (``model``, ``titanModel``, the Marketplace product name,
or the model id a Mantle usage type embeds) is matched by :func:`reconciler.core.model_match.
match_model` to one of the model ids seen in the logs / ListFoundationModels; the mappings learned
go to table ``billing_name_map`` (read by the invoice ingest) and every SKU's facts to
``price_list_names``, with the SKU and date as provenance. An ambiguous or missing match is
reported with its candidates, never resolved to the nearest name.

Mapping is explicit and shared with the invoice side:
:func:`reconciler.core.usage_types.parse_usage_type` reads the usage type's grammar (formats.md
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
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb

from reconciler.core import aws
from reconciler.core.arrow import pa
from reconciler.core.errors import SourceError, SourceUnavailable
from reconciler.core.model_match import match_model
from reconciler.core.usage_types import (
    BillingNames,
    LearnedRow,
    UsageTypeInfo,
    bundled_billing_names,
    parse_usage_type,
)
from reconciler.db import bulk, sql
from reconciler.db.connect import transaction
from reconciler.db.runs import StageResult
from reconciler.pricebook.entries import PriceEntry, PriceKey
from reconciler.pricebook.store import read_entries, replace_entries

__all__ = [
    "SERVICE_CODES",
    "ImportReport",
    "LearnedName",
    "Unmapped",
    "fetch_api_products",
    "import_price_list",
    "list_foundation_models",
    "logged_model_ids",
    "map_products",
    "name_rows",
    "offer_products",
    "read_offer",
]

SERVICE_CODES = ("AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels")
"""billing-vocabulary.md §2: first-party models, Claude 4.x first-party (2026), Marketplace."""

_EDITION = " (Amazon Bedrock Edition)"


@dataclass(frozen=True)
class LearnedName:
    """What one SKU says about its model, and the model id it was matched to (or why not)."""

    service_code: str
    sku: str
    effective_date: date | None
    region_code: str | None
    usage_type: str | None
    model_name: str | None
    inference_type: str | None
    feature: str | None
    service_tier: str | None
    base_model: str | None
    status: str
    """matched (display name -> one id) | table (billing-name table only) | ambiguous | missing |
    no_candidates (no model ids known to match against) | no_name (the SKU names no model)"""
    stage: str | None
    candidates: tuple[str, ...]
    scheme: str | None
    billing_name: str | None


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
    names: list[LearnedName] = field(default_factory=list)
    table: BillingNames | None = None
    """The billing-name table the import mapped with (None: the bundled one)."""


def _map_usage_type(info: UsageTypeInfo) -> UsageTypeInfo | str:
    """The usage type's key fields, or why it cannot be priced by key."""
    if info.kind not in ("token", "image") or info.charge == "other":
        return f"{info.kind} charge ({info.charge}) is not imported (no price key for it)"
    if info.base_model is None:
        if info.scheme == "marketplace":
            return f"product {info.billing_model_name!r} not in the billing-name table"
        return f"billing name {info.billing_model_name} not in the billing-name table"
    if info.context_tier != "standard":
        return "long-context price: imported only with its context tier"
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


def _display_name(attrs: dict[str, Any], info: UsageTypeInfo) -> str | None:
    """The model's name as the SKU gives it: a mantle usage type itself (its model id is
    embedded), else attribute ``model`` / ``titanModel``, else the Marketplace product name
    without " (Amazon Bedrock Edition)"."""
    if info.endpoint == "mantle":
        return info.usage_type
    for attr in ("model", "titanModel"):
        value = attrs.get(attr)
        if isinstance(value, str) and value.strip():
            return value.strip()
    product = attrs.get("servicename") or attrs.get("productName")
    if isinstance(product, str) and product.strip():
        return product.strip().removesuffix(_EDITION).strip()
    return None


def _learn(
    service_code: str,
    sku: str,
    attrs: dict[str, Any],
    effective: date | None,
    info: UsageTypeInfo,
    candidates: Sequence[str],
) -> LearnedName:
    """Match the SKU's display name to one of ``candidates`` (billing-vocabulary.md §3).

    The Price List's own name wins over the bundled billing-name table when both give a model;
    with no candidates or no name, the table's answer (if any) stands."""
    name = _display_name(attrs, info)

    def learned(
        base: str | None, status: str, stage: str | None, cands: Sequence[str]
    ) -> LearnedName:
        return LearnedName(
            service_code, sku, effective, attrs.get("regionCode"), attrs.get("usagetype"),
            name if info.endpoint != "mantle" else attrs.get("model") or name,
            attrs.get("inferenceType"), attrs.get("feature"), attrs.get("service_tier"),
            base, status, stage, tuple(cands), info.scheme, info.billing_model_name,
        )  # fmt: skip

    if name is None:
        return learned(info.base_model, "table" if info.base_model else "no_name", None, ())
    if not candidates:
        return learned(info.base_model, "table" if info.base_model else "no_candidates", None, ())
    m = match_model(name, candidates)
    if m.matched:
        return learned(m.model_id, "matched", m.stage, m.candidates)
    if info.base_model is not None:  # the table knows it; the candidates just lack the model
        return learned(info.base_model, "table", None, ())
    return learned(None, m.status, m.stage, m.candidates)


def _map_one(
    service_code: str,
    product: dict[str, Any],
    terms: Sequence[dict[str, Any]],
    origin: str,
    names: BillingNames | None,
    candidates: Sequence[str] = (),
) -> tuple[PriceEntry | Unmapped, LearnedName | None]:
    attrs = product.get("attributes") or {}
    sku = str(product.get("sku", ""))
    region, usage_type = attrs.get("regionCode"), attrs.get("usagetype")

    def unmapped(reason: str) -> Unmapped:
        return Unmapped(service_code, sku, region, usage_type, reason)

    if not region or not usage_type:
        return unmapped("no regionCode or usagetype attribute"), None
    product_name = attrs.get("servicename") or attrs.get("productName")
    info = parse_usage_type(usage_type, product_name, names=names)
    if info is None:
        return unmapped("usage type follows neither Bedrock grammar"), None
    try:
        effective = _effective_date(str(terms[0]["effectiveDate"])) if len(terms) == 1 else None
    except (KeyError, ValueError):
        effective = None
    learned = _learn(service_code, sku, attrs, effective, info, candidates)
    if learned.status in ("ambiguous", "missing"):
        shown = ", ".join(learned.candidates[:10]) or "none"
        more = f" (+{len(learned.candidates) - 10} more)" if len(learned.candidates) > 10 else ""
        what = "matches several model ids" if learned.status == "ambiguous" else "matches no"
        what += "" if learned.status == "ambiguous" else " model id seen in the logs or catalogue"
        return unmapped(
            f"model name {learned.model_name!r} in {region} {what} ({learned.stage}); "
            f"candidates: {shown}{more}"
        ), learned
    if learned.base_model is not None:
        info = replace(info, base_model=learned.base_model)
    mapped = _map_usage_type(info)
    if isinstance(mapped, str):
        return unmapped(mapped), learned
    if mapped.base_model is None or mapped.routing is None:  # not for token/image kinds
        return unmapped("usage type names no model or routing"), learned
    if len(terms) != 1:
        return unmapped(f"{len(terms)} on-demand terms (expected 1)"), learned
    dims = list((terms[0].get("priceDimensions") or {}).values())
    if len(dims) != 1:
        return unmapped(f"{len(dims)} price dimensions (tiered prices are not imported)"), learned
    dim = dims[0]
    unit = _unit(str(dim.get("unit", "")), str(dim.get("description", "")), mapped)
    if unit is None:
        return unmapped(f"unit {dim.get('unit')!r} not understood for this usage type"), learned
    try:
        price = Decimal(str((dim.get("pricePerUnit") or {})["USD"]))
        start = _effective_date(str(terms[0]["effectiveDate"]))
    except (KeyError, InvalidOperation, ValueError):
        return unmapped("no USD price or effectiveDate"), learned
    if not price.is_finite() or price < 0:
        return unmapped("price is not a finite non-negative number"), learned
    entry = PriceEntry(
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
    return entry, learned


Product = tuple[str, dict[str, Any], list[dict[str, Any]]]
"""(service code, product, its OnDemand terms)."""


_NAMES = pa.schema(
    [(c, pa.string()) for c in ("origin", "service_code", "sku")]
    + [("effective_date", pa.date32())]
    + [(c, pa.string()) for c in (
        "region_code", "usage_type", "model_name", "inference_type", "feature", "service_tier",
        "base_model", "match_status", "match_stage", "candidates", "run_id",
    )]
)  # fmt: skip
_LEARNED = pa.schema(
    [(c, pa.string()) for c in ("name_type", "name", "base_model", "charge", "source", "run_id")]
)
_UNMAPPED = pa.schema(
    [(c, pa.string()) for c in (
        "origin", "service_code", "sku", "region_code", "usage_type", "reason", "run_id",
    )]
)  # fmt: skip


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
    products: Iterable[Product],
    origin: str,
    names: BillingNames | None = None,
    candidates: Iterable[str] = (),
) -> ImportReport:
    """Map products to price entries; duplicates collapse, contradictions are reported.

    ``names`` is the billing-name table (default: the bundled one; pass
    ``load_billing_names(settings.invoices.billing_names)`` to include the user's rows).
    ``candidates`` are the model ids a SKU's display name may match (the ids in the logs and
    ListFoundationModels): with none, only the table maps models.
    """
    by_key: dict[tuple[PriceKey, date], list[PriceEntry]] = defaultdict(list)
    unmapped: list[Unmapped] = []
    learned: list[LearnedName] = []
    pool = tuple(sorted({c for c in candidates if c and not c.startswith("arn:")}))
    count = 0
    for code, product, terms in products:
        count += 1
        got, name = _map_one(code, product, terms, origin, names, pool)
        if name is not None:
            learned.append(name)
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
    return ImportReport(entries, unmapped, count, learned, names)


def name_rows(report: ImportReport) -> tuple[list[tuple[LearnedRow, str]], list[str]]:
    """The billing-name-map rows an import teaches (with their provenance) and the conflicts.

    From every SKU whose display name matched one model id: its whole usage type (first-party
    and mantle usage types name one model; Marketplace ``MP:`` usage types are shared by products,
    so those teach the product name instead) and its billing name (so suffixes the Price List
    did not list for that Region map too). A name two SKUs give different models is left out
    and reported; a billing or product name the table already maps the same way is not repeated.
    """
    bundled = report.table or bundled_billing_names()
    found: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for n in sorted(report.names, key=lambda n: (n.sku, n.service_code)):
        if n.status != "matched" or n.base_model is None or not n.usage_type:
            continue
        day = n.effective_date.isoformat() if n.effective_date else "no date"
        prov = f"AWS Price List {n.service_code} SKU {n.sku} {day}"
        if n.scheme == "marketplace":
            product = n.model_name or ""
            if product:
                full = product if product.endswith(_EDITION) else product + _EDITION
                known = bundled.product(full)
                if known is None or known.base_model != n.base_model:
                    found[("product_name", full)].setdefault(n.base_model, prov)
            continue
        found[("usage_type", n.usage_type)].setdefault(n.base_model, prov)
        bill = n.billing_name
        if bill and "mantle" not in n.usage_type:
            known = bundled.billing_name(bill)
            if known is None or known.base_model != n.base_model:
                found[("billing_name", bill)].setdefault(n.base_model, prov)
    rows: list[tuple[LearnedRow, str]] = []
    conflicts: list[str] = []
    for (kind, name), models in sorted(found.items()):
        if len(models) == 1:
            ((base, prov),) = models.items()
            rows.append(((kind, name, base, None), prov))
        else:
            listed = "; ".join(f"{b} ({p})" for b, p in sorted(models.items()))
            conflicts.append(f"{kind} {name!r} matched different models: {listed}")
    return rows, conflicts


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
    """GetProducts for the Bedrock service codes, one regionCode filter each, all pages."""
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


def logged_model_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The model ids the logs have seen (as logged, and resolved base models): the natural
    candidates for a Price List display name (billing-vocabulary.md §3). ARNs are left out."""
    rows = sql.execute(con, "pricebook/logged_model_ids").fetchall()
    return {str(r[0]) for r in rows if r[0]}


def list_foundation_models(
    regions: Sequence[str], client_factory: Any = None
) -> tuple[set[str], list[str]]:
    """Model ids of Bedrock ``ListFoundationModels`` in each Region, and the Regions where it
    could not be called (no credentials, no permission, no endpoint): those are reported, the
    import goes on with the ids it has."""
    from botocore.exceptions import BotoCoreError, ClientError

    if client_factory is None:

        def client_factory(region: str) -> Any:
            return aws.client("bedrock", region)

    ids: set[str] = set()
    problems: list[str] = []
    for region in regions:
        try:
            resp = client_factory(region).list_foundation_models()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            problems.append(f"ListFoundationModels in {region}: {code}")
            continue
        except BotoCoreError as exc:
            problems.append(f"ListFoundationModels in {region}: {type(exc).__name__}")
            continue
        for summary in resp.get("modelSummaries") or []:
            model_id = summary.get("modelId")
            if isinstance(model_id, str) and model_id:
                ids.add(model_id)
    return ids, problems


def _chain(entries: list[PriceEntry]) -> list[PriceEntry]:
    """One key's entries in date order, each ending where the next begins."""
    by_start = {e.effective_from: e for e in entries}  # later ones (new import) win
    ordered = [by_start[d] for d in sorted(by_start)]
    chained = []
    for i, e in enumerate(ordered):
        end = ordered[i + 1].effective_from if i + 1 < len(ordered) else e.effective_to
        chained.append(replace(e, effective_to=end))
    return chained


def _store_names(
    con: duckdb.DuckDBPyConnection,
    report: ImportReport,
    learned: list[tuple[LearnedRow, str]],
    origin: str,
    run_id: str,
) -> None:
    """Record every SKU's name facts (``price_list_names``, replaced per origin) and upsert the
    learned mappings into ``billing_name_map`` (the invoice mapping reads them)."""
    with transaction(con):
        sql.execute(con, "pricebook/price_list_names_delete", {"origin": origin})
        seen: set[str] = set()
        rows = []
        for n in report.names:
            if n.sku in seen:
                continue
            seen.add(n.sku)
            rows.append(
                (
                    origin, n.service_code, n.sku, n.effective_date, n.region_code, n.usage_type,
                    n.model_name, n.inference_type, n.feature, n.service_tier, n.base_model,
                    n.status, n.stage, ", ".join(n.candidates) or None, run_id,
                )
            )  # fmt: skip
        bulk.insert(con, "pricebook/price_list_names_insert", bulk.rows_table(rows, _NAMES))
        learned_rows = [(k, n, b, c, prov, run_id) for (k, n, b, c), prov in learned]
        table = bulk.rows_table(learned_rows, _LEARNED)
        bulk.insert(con, "pricebook/billing_names_learn", table)


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
        sql.execute(con, "pricebook/price_list_unmapped_delete", {"origin": origin})
        unmapped = [
            (origin, u.service_code, u.sku, u.region_code, u.usage_type, u.reason, run_id)
            for u in report.unmapped
        ]
        bulk.insert(
            con, "pricebook/price_list_unmapped_insert", bulk.rows_table(unmapped, _UNMAPPED)
        )
    learned, conflicts = name_rows(report)
    _store_names(con, report, learned, origin, run_id)
    statuses: dict[str, int] = defaultdict(int)
    for n in report.names:
        statuses[n.status] += 1
    return StageResult(
        stage="prices.price_list",
        rows_in=report.products,
        rows_out=len(report.entries),
        counts={
            "unmapped": len(report.unmapped),
            "new_price_ids": len(after - before),
            "layer_rows": len(merged),
            "names_matched": statuses["matched"],
            "names_ambiguous": statuses["ambiguous"],
            "names_missing": statuses["missing"],
            "names_learned": len(learned),
            "name_conflicts": len(conflicts),
        },
        seconds=time.perf_counter() - started,
    )
