"""Cost Explorer as an invoice source, for accounts without a CUR 2.0 / FOCUS export.

Input: the Cost Explorer API (``GetDimensionValues``, ``GetCostAndUsage``, DAILY, metrics
``UnblendedCost``, ``NetUnblendedCost`` and ``UsageQuantity``, grouped by ``USAGE_TYPE`` and
``LINKED_ACCOUNT``). Output: ``invoice_line_items`` rows with ``source_format = 'cost_explorer'``
(view ``invoice_lines``), the pull in ``source_objects``, bad groups in ``quarantine_records``.

How, and why this way:

* **Which services.** ``GetDimensionValues SERVICE`` over the window, keeping every value that
  contains ``Bedrock``: ``Amazon Bedrock``, ``Amazon Bedrock Service`` (where Claude 4.x
  first-party usage bills), ``Amazon Bedrock AgentCore`` and the Marketplace ``... (Amazon
  Bedrock Edition)`` products (one per third-party model). AgentCore and Knowledge Base charges
  are not model inference: they are kept (charges ``agentcore_usage`` / ``knowledge_base_usage``,
  counted as ``non_model_rows``) and never matched to tokens.
* **One query per service and record type.** Cost Explorer groups by at most two keys, and we need
  four apart: the usage type and the account (grouped), the service and the record type
  (filtered). The service must be kept apart because Marketplace usage types do not name the model
  (``USE1-MP:USE1_InputTokenCount-Units`` is the same string for every Claude model: only the
  service, our ``product``, tells Sonnet from Haiku). The record type must be kept apart because
  Cost Explorer otherwise nets credits and discounts into the usage figures; we ask
  ``GetDimensionValues RECORD_TYPE`` which record types the Bedrock services have in the window
  and query each, so a Credit becomes its own line (``line_item_type = 'Credit'``) exactly as in
  CUR. Cost Explorer's spelled-out record types are renamed to the CUR line item types
  (``Enterprise Discount Program Discount`` -> ``EdpDiscount``); any other value is kept as given.
  Each call costs USD 0.01; a pull makes services x record types calls plus pages.
* **Exact money.** Amounts arrive as strings and are parsed straight to :class:`~decimal.Decimal`,
  never through a float, then handed to DuckDB as Arrow ``decimal128(38, 12)``.
* **Units** as the file ingest: :func:`~reconciler.ingest.invoices.resolve_unit` on the parsed usage
  type (AmazonBedrock per 1K tokens, Marketplace per 1M, configurable). ``UsageQuantity``'s unit is
  used only when it names a token count (it is ``N/A`` in practice). The region comes from the
  usage type (Cost Explorer has no region per group here).
* **Idempotent, and apart from CUR.** The window is pulled completely first; then, in one
  transaction, every ``cost_explorer`` row whose usage date is in the window is deleted and the
  pull inserted. CUR/FOCUS rows are never touched (their source families differ) and a file
  ingest never deletes Cost Explorer rows. When both exist for a billing period and account, the
  reconciliation uses the CUR/FOCUS lines and ignores the Cost Explorer ones
  (``queries/stages/reconcile.sql``).
* **Payer account.** Cost Explorer groups carry the usage account (``LINKED_ACCOUNT``) but no
  payer. The payer of the data is the organization's management account
  (Organizations ``DescribeOrganization`` -> ``MasterAccountId``, callable from any member); an
  account outside an organization pays its own bill (STS ``GetCallerIdentity``). When neither
  can be asked (access denied, no network), ``payer_account_id`` stays NULL and the stage counts
  ``payer_unknown``: the FOCUS export then needs ``--billing-account-id``. Never fatal.
* **Failures** map through :func:`reconciler.core.aws.from_boto`; Cost Explorer's throttling
  error is
  ``LimitExceededException`` (exit 3, retry later), as are ``DataUnavailableException`` and
  ``RequestChangedException`` (the data moved between pages); access denied is exit 2. Nothing is
  written when a call fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING, Any

import duckdb
from botocore.exceptions import BotoCoreError, ClientError

from reconciler.core.arrow import pa
from reconciler.core.aws import from_boto
from reconciler.core.clock import utc_now
from reconciler.core.config import Settings
from reconciler.core.errors import ConfigError, ReconcilerError, SourceUnavailable
from reconciler.core.quarantine import Problems, Reason
from reconciler.core.usage_types import (
    BillingNames,
    UsageTypeInfo,
    learned_rows,
    load_billing_names,
    parse_usage_type,
)
from reconciler.db import bulk, sql, transaction
from reconciler.db.ledger import write_problems
from reconciler.db.stage import StageContext, StageResult
from reconciler.ingest.invoice_models import match_counts
from reconciler.ingest.invoice_units import check_units
from reconciler.ingest.invoices import apply_invoice_precedence, resolve_unit

if TYPE_CHECKING:
    from mypy_boto3_ce import CostExplorerClient
    from mypy_boto3_ce.type_defs import (
        ExpressionTypeDef,
        GetCostAndUsageRequestTypeDef,
        GetDimensionValuesRequestTypeDef,
    )

__all__ = [
    "CE_REGION",
    "READS",
    "SOURCE_FORMAT",
    "WRITES",
    "CeGroup",
    "api_window",
    "bedrock_services",
    "fetch_groups",
    "line_item_type",
    "lookup_payer_account",
    "product_code",
    "record_types",
    "run",
]

SOURCE_FORMAT = "cost_explorer"
CE_REGION = "us-east-1"
"""Cost Explorer has one endpoint (us-east-1) for the aws partition."""
METRICS = ("UnblendedCost", "NetUnblendedCost", "UsageQuantity")
_TRANSIENT_CE = frozenset(
    {"LimitExceededException", "DataUnavailableException", "RequestChangedException"}
)
# Cost Explorer RECORD_TYPE values that CUR spells differently; the rest are the same words
# (Usage, Credit, Refund, Tax, DiscountedUsage, SavingsPlanCoveredUsage, SavingsPlanNegation ...).
_RECORD_TYPES = {
    "Enterprise Discount Program Discount": "EdpDiscount",
    "Private Rate Card Discount": "PrivateRateDiscount",
    "Bundled Discount": "BundledDiscount",
    "Solution Provider Program Discount": "SppDiscount",
    "Distributor Discount": "DistributorDiscount",
    "Support fee": "Fee",
    "Recurring reservation fee": "RIFee",
    "Upfront reservation fee": "Fee",
}
# The FOCUS-style charge category of a CUR line item type (as stages/invoice_insert.sql does).
_CATEGORIES = {
    "Usage": "Usage",
    "DiscountedUsage": "Usage",
    "SavingsPlanCoveredUsage": "Usage",
    **dict.fromkeys(
        (
            "Credit", "Refund", "EdpDiscount", "PrivateRateDiscount", "BundledDiscount",
            "SppDiscount", "DistributorDiscount", "SavingsPlanNegation",
        ),
        "Credit",
    ),
    "Tax": "Tax",
    **dict.fromkeys(
        ("Fee", "RIFee", "SavingsPlanUpfrontFee", "SavingsPlanRecurringFee", "Purchase"),
        "Purchase",
    ),
}  # fmt: skip
_EXACT = Decimal("1e-12")
_DEC = pa.decimal128(38, 12)
_TS = pa.timestamp("us")
# Columns of invoice_line_items a Cost Explorer line fills (the rest stay NULL), in Arrow types.
_SCHEMA = pa.schema(
    [("billing_period", pa.date32()), ("usage_start", _TS), ("usage_end", _TS)]
    + [(c, pa.string()) for c in (
        "account_id", "region", "product_code", "product", "usage_type", "line_item_type",
        "charge_category", "billing_model_name", "base_model", "routing", "tier", "mode",
        "charge", "usage_kind", "endpoint",
    )]
    + [("mapped", pa.bool_()), ("quantity", _DEC), ("unit", pa.string()),
       ("unit_source", pa.string()), ("tokens_per_unit", pa.int64()),
       ("quantity_tokens", _DEC), ("unblended_cost_usd", _DEC), ("net_cost_usd", _DEC),
       ("currency", pa.string()), ("currency_rate", _DEC), ("delivered_at", _TS)]
    + [(c, pa.string()) for c in (
        "unit_check", "source_format", "source_family", "source_uri", "payer_account_id",
    )]
    + [("line_number", pa.int64()), ("run_id", pa.string())]
)  # fmt: skip


@dataclass(frozen=True)
class CeGroup:
    """One Cost Explorer group of one day, as returned (amounts still text)."""

    day: date
    usage_type: str
    account_id: str
    metrics: dict[str, tuple[str | None, str | None]]
    """metric name -> (Amount, Unit) as strings."""
    estimated: bool
    line_number: int
    """1-based position of the group in its pull (service x record type), across pages."""


def api_window(start: date, end: date) -> tuple[str, str]:
    """Our inclusive [start, end] as Cost Explorer's (Start, End) with End exclusive."""
    if end < start:
        raise ConfigError(f"--end {end} is before --start {start}: the window is inclusive")
    return start.isoformat(), (end + timedelta(days=1)).isoformat()


_SERVICE_CODES = {
    "Amazon Bedrock": "AmazonBedrock",
    "Amazon Bedrock Service": "AmazonBedrockService",
    "Amazon Bedrock AgentCore": "AmazonBedrockAgentCore",
}


def product_code(service: str) -> str | None:
    """The product code of a Cost Explorer SERVICE (None for Marketplace products: opaque)."""
    return _SERVICE_CODES.get(service)


def line_item_type(record_type: str) -> str:
    """The CUR line item type for a Cost Explorer RECORD_TYPE value (unknown ones unchanged)."""
    return _RECORD_TYPES.get(record_type, record_type)


def bedrock_services(ce: CostExplorerClient, start: str, end: str) -> list[str]:
    """Every SERVICE value with cost in [start, end) whose name contains ``Bedrock``."""
    return sorted(v for v in _dimension_values(ce, "SERVICE", start, end) if "Bedrock" in v)


def record_types(
    ce: CostExplorerClient, services: Sequence[str], start: str, end: str
) -> list[str]:
    """The RECORD_TYPE values the given services have in [start, end)."""
    return sorted(_dimension_values(ce, "RECORD_TYPE", start, end, _eq("SERVICE", list(services))))


def _eq(key: Any, values: list[str]) -> ExpressionTypeDef:
    return {"Dimensions": {"Key": key, "Values": values}}


def _dimension_values(
    ce: CostExplorerClient,
    dimension: Any,
    start: str,
    end: str,
    where: ExpressionTypeDef | None = None,
) -> set[str]:
    req: GetDimensionValuesRequestTypeDef = {
        "TimePeriod": {"Start": start, "End": end},
        "Dimension": dimension,
        "Context": "COST_AND_USAGE",
    }
    if where is not None:
        req["Filter"] = where
    values: set[str] = set()
    while True:
        page = ce.get_dimension_values(**req)
        values.update(v["Value"] for v in page.get("DimensionValues", []) if v.get("Value"))
        token = page.get("NextPageToken")
        if not token:
            return values
        req["NextPageToken"] = token


def fetch_groups(
    ce: CostExplorerClient, service: str, record_type: str, start: str, end: str
) -> Iterator[CeGroup]:
    """The daily groups (USAGE_TYPE x LINKED_ACCOUNT) of one service and record type."""
    req: GetCostAndUsageRequestTypeDef = {
        "TimePeriod": {"Start": start, "End": end},
        "Granularity": "DAILY",
        "Metrics": list(METRICS),
        "GroupBy": [
            {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
            {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"},
        ],
        "Filter": {"And": [_eq("SERVICE", [service]), _eq("RECORD_TYPE", [record_type])]},
    }
    line = 0
    while True:
        page = ce.get_cost_and_usage(**req)
        for result in page.get("ResultsByTime", []):
            day = date.fromisoformat(result["TimePeriod"]["Start"])
            for group in result.get("Groups", []):
                line += 1
                keys = [*group.get("Keys", []), "", ""]
                metrics = {
                    name: (value.get("Amount"), value.get("Unit"))
                    for name, value in group.get("Metrics", {}).items()
                }
                yield CeGroup(day, keys[0], keys[1], metrics, bool(result.get("Estimated")), line)
        token = page.get("NextPageToken")
        if not token:
            return
        req["NextPageToken"] = token


def lookup_payer_account(org: Any, sts: Any) -> str | None:
    """The payer account of this caller's Cost Explorer data, or None when it cannot be asked.

    ``org`` is an Organizations client, ``sts`` an STS client. In an organization the payer is
    the management account (any member may call DescribeOrganization); outside one, the caller's
    own account. Access denied or an unreachable endpoint gives None (the lines keep a NULL
    payer), never an error: the payer only labels the FOCUS export.
    """
    try:
        org_info = org.describe_organization().get("Organization", {})
        account = org_info.get("MasterAccountId")
        return str(account) if account else None
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "AWSOrganizationsNotInUseException":
            return None
    except BotoCoreError:
        return None
    try:
        return str(sts.get_caller_identity()["Account"])
    except (ClientError, BotoCoreError, KeyError):
        return None


def _default_payer(ctx: StageContext) -> str | None:
    return lookup_payer_account(
        ctx.client("organizations", CE_REGION), ctx.client("sts", CE_REGION)
    )


def _ce_error(exc: ClientError | BotoCoreError, what: str) -> ReconcilerError:
    """from_boto, plus the Cost Explorer codes that mean "later" (its throttling code is
    LimitExceededException, which elsewhere means a quota: so only here is it transient)."""
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _TRANSIENT_CE:
            message = str(exc.response.get("Error", {}).get("Message", ""))[:200]
            return SourceUnavailable(f"{what} failed: {code}: {message}; retry later")
    return from_boto(exc, what)


READS = ("invoice_line_items", "billing_name_map", "prices", "model_ids")
WRITES = ("invoice_line_items", "source_objects", "quarantine_records")


def run(ctx: StageContext, *, payer_lookup: Callable[[], str | None] | None = None) -> StageResult:
    """Pull the Bedrock costs of the context's usage dates (inclusive) from Cost Explorer and
    replace that window's ``cost_explorer`` invoice lines with them.

    ``payer_lookup`` names the payer account stored on the lines; by default it asks
    Organizations/STS (:func:`lookup_payer_account`) through the context's client factory.
    """
    began = time.perf_counter()
    con, settings, run_id, problems = ctx.con, ctx.settings, ctx.run_id, ctx.problems
    start, end = ctx.window()
    api_start, api_end = api_window(start, end)
    first_problem = len(problems)
    ce: CostExplorerClient = ctx.client("ce", CE_REGION)
    names = load_billing_names(settings.invoices.billing_names, learned_rows(con))
    counts = dict.fromkeys(
        (
            "services", "record_types", "estimated_days", "unmapped_rows", "replaced_rows",
            "payer_unknown", "non_model_rows",
        ),
        0,
    )  # fmt: skip
    pulled: list[tuple[str, str, str, CeGroup]] = []
    what = "ce:GetDimensionValues"
    try:
        services = bedrock_services(ce, api_start, api_end)
        types = record_types(ce, services, api_start, api_end) if services else []
        what = "ce:GetCostAndUsage"
        for service in services:
            for rt in types:
                uri = _uri(service, rt, api_start, api_end)
                groups = fetch_groups(ce, service, rt, api_start, api_end)
                pulled += [(service, rt, uri, g) for g in groups]
    except (ClientError, BotoCoreError) as exc:
        raise _ce_error(exc, what) from exc
    counts["services"], counts["record_types"] = len(services), len(types)
    counts["estimated_days"] = len({g.day for *_, g in pulled if g.estimated})
    rows = _rows(pulled, names, settings, run_id, problems)
    if rows:
        payer = payer_lookup() if payer_lookup is not None else _default_payer(ctx)
        for r in rows:
            r["payer_account_id"] = payer
        counts["payer_unknown"] = 0 if payer else len(rows)
    counts["unmapped_rows"] = sum(
        1 for r in rows if not r["mapped"] and r["charge_category"] == "Usage"
    )
    counts["non_model_rows"] = sum(
        1 for r in rows if r["usage_kind"] in ("agentcore", "knowledge_base")
    )
    with transaction(con):
        window = {"start": start, "end": end}
        counts["replaced_rows"] = sql.scalar(con, "ingest/cost_explorer_window_count", window)
        sql.execute(con, "ingest/cost_explorer_delete_window", window)
        bulk.insert(con, "ingest/cost_explorer_insert", bulk.rows_table(rows, _SCHEMA))
        counts["superseded_lines"] = apply_invoice_precedence(con, run_id)
        _record(con, api_start, api_end, run_id, len(rows), len(problems) - first_problem)
        write_problems(con, problems, first_problem, run_id)
    check_units(con)
    counts |= match_counts(con, run_id)
    result = StageResult("ingest cost explorer", rows_in=len(pulled), rows_out=len(rows))
    result.counts = counts
    result.problems_by_reason = Problems(items=problems.items[first_problem:]).by_reason()
    result.amounts = {
        "unblended_usd": str(sum((r["unblended_cost_usd"] for r in rows), Decimal(0))),
        "net_usd": str(sum((r["net_cost_usd"] for r in rows), Decimal(0))),
    }
    result.seconds = time.perf_counter() - began
    return result


def _uri(service: str, record_type: str, start: str, end: str) -> str:
    return f"ce:GetCostAndUsage?service={service}&record_type={record_type}&start={start}&end={end}"


def _rows(
    pulled: list[tuple[str, str, str, CeGroup]],
    names: BillingNames,
    settings: Settings,
    run_id: str,
    problems: Problems,
) -> list[dict[str, Any]]:
    parsed: dict[tuple[str, str], UsageTypeInfo | None] = {}
    rows = []
    for service, rt, uri, g in pulled:
        key = (g.usage_type, service)
        if key not in parsed:
            parsed[key] = (
                parse_usage_type(
                    g.usage_type, service, names=names, product_code=product_code(service)
                )
                if g.usage_type
                else None
            )
        row = _row(service, rt, uri, g, parsed[key], settings, run_id, problems)
        if row is not None:
            rows.append(row)
    return rows


def _row(
    service: str,
    record_type: str,
    uri: str,
    g: CeGroup,
    info: UsageTypeInfo | None,
    settings: Settings,
    run_id: str,
    problems: Problems,
) -> dict[str, Any] | None:
    """One invoice line, or None after recording why the group cannot be one."""
    account = g.account_id.strip()
    if not account.isdigit() or len(account) > 12:
        problems.add(
            uri, g.line_number, Reason.BAD_FIELD, "LINKED_ACCOUNT key is not an account id"
        )
        return None
    amounts: dict[str, Decimal] = {}
    for name in METRICS:
        text = g.metrics.get(name, (None, None))[0]
        value = _decimal(text)
        if value is None:
            what = "missing" if text is None else "not a decimal number"
            problems.add(uri, g.line_number, Reason.BAD_FIELD, f"{name} Amount is {what}")
            return None
        amounts[name] = value
    # Cost Explorer answers in USD; any other unit is converted only by a configured rate.
    currency = (g.metrics.get("UnblendedCost", (None, None))[1] or "USD").strip().upper()
    rate = Decimal(1) if currency == "USD" else settings.invoices.currency_rates.get(currency)
    if rate is None:
        problems.add(
            uri, g.line_number, Reason.NON_USD_CURRENCY,
            f"amounts in {''.join(c for c in currency[:8] if c.isalnum()) or '?'}, not USD; "
            "set [invoices] currency_rates in reconciler.toml to convert",
        )  # fmt: skip
        return None
    if rate != 1:
        for name in ("UnblendedCost", "NetUnblendedCost"):
            amounts[name] = _exact(amounts[name] * rate)
    ce_unit = g.metrics["UsageQuantity"][1]
    pricing_unit = None if ce_unit in (None, "", "N/A") else ce_unit
    tpu, unit, unit_source = resolve_unit(info, pricing_unit, settings)
    lit = line_item_type(record_type)
    category = _CATEGORIES.get(lit, "Adjustment")
    quantity = amounts["UsageQuantity"]
    tokens = _exact(quantity * tpu) if category == "Usage" and tpu is not None else None
    return {
        "billing_period": g.day.replace(day=1),
        "usage_start": datetime(g.day.year, g.day.month, g.day.day),  # noqa: DTZ001 - UTC, naive
        "usage_end": datetime(g.day.year, g.day.month, g.day.day) + timedelta(days=1),  # noqa: DTZ001
        "account_id": account.zfill(12),
        "region": info.region if info else None,
        "product_code": product_code(service),
        "product": service,
        "usage_type": g.usage_type or None,
        "line_item_type": lit,
        "charge_category": category,
        "billing_model_name": info.billing_model_name if info else None,
        "base_model": info.base_model if info else None,
        "routing": info.routing if info else None,
        "tier": info.tier if info else None,
        "mode": info.mode if info else None,
        "charge": info.charge if info else None,
        "usage_kind": info.kind if info else None,
        "endpoint": info.endpoint if info else None,
        "mapped": info.mapped if info else False,
        "quantity": quantity,
        "unit": unit,
        "unit_source": unit_source,
        "tokens_per_unit": tpu,
        "quantity_tokens": tokens,
        "unblended_cost_usd": amounts["UnblendedCost"],
        "net_cost_usd": amounts["NetUnblendedCost"],
        "currency": currency,
        "currency_rate": rate,
        "delivered_at": utc_now(),
        "unit_check": "unknown",
        "source_format": SOURCE_FORMAT,
        "source_family": SOURCE_FORMAT,
        "source_uri": uri,
        "line_number": g.line_number,
        "run_id": run_id,
    }


def _decimal(text: str | None) -> Decimal | None:
    """A finite Decimal from the API's text, at DECIMAL(38, 12) scale; None if it is not one."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return _exact(value)


def _exact(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 38
        return value.quantize(_EXACT)


def _record(
    con: duckdb.DuckDBPyConnection, start: str, end: str, run_id: str, records: int, bad: int
) -> None:
    """The pull as a source object: the window is its key (as for CloudWatch windows)."""
    sql.execute(
        con,
        "ingest/cost_explorer_record_pull",
        {
            "uri": f"ce:GetCostAndUsage?start={start}&end={end}",
            "fingerprint": f"window:{start}/{end}",
            "run_id": run_id,
            "loaded_at": utc_now(),
            "records": records,
            "quarantined": bad,
        },
    )
