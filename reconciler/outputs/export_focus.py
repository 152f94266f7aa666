"""FOCUS 1.2 export of the allocated Bedrock bill, for FinOps tools (``reconciler export focus``).

Input is the ``allocated_spend`` view: the invoiced cost split to day x team x application x
model x charge, in whole cents that add up to the invoice. Each row becomes one FOCUS 1.2
Cost-and-Usage row with the team and application as ``x_Team``/``x_Application`` columns and as
``Tags``, so a tool that reads FOCUS (Vantage, CloudZero, Finout, a warehouse) can charge back
without re-deriving anything and without double counting: the export *replaces* AWS's own
Bedrock rows for those tools, it does not add to them.

Choices that a reader of the file should know (also in docs/focus-export.md):

* **Costs are exact.** BilledCost = EffectiveCost = the allocated invoiced amount. The
  allocation works on what was invoiced (net of discounts), so there is no separate list or
  contracted price at this grain: ListCost and ContractedCost carry the same amount rather than a
  made-up list price. CSV holds decimal strings (no float round trip), Parquet ``decimal128(38,
  12)``; the BilledCost column sums to the allocated total exactly.
* **Quantities are the logged ones.** ConsumedQuantity/PricingQuantity are the tokens (or
  images) the team's logged requests used on that day for that model and charge, from ``spend``.
  Rows with no logged usage behind them (unlogged usage, idle capacity, credits, taxes) have no
  quantity; their ChargeCategory says why.
* **Accounts.** ``SubAccountId`` is the usage account of the allocated row; ``BillingAccountId``
  is that account's payer as the invoice lines name it (CUR ``bill_payer_account_id``, FOCUS
  ``BillingAccountId``, Cost Explorer: the organization's management account). A window with one
  payer uses it for rows whose account names none; ``--billing-account-id`` overrides all.
* **ChargeCategory** comes from what the allocated amount is made of (the view's ``lines``):
  only credits -> ``Credit``, only taxes/fees -> ``Tax``, anything else -> ``Usage``.
* **Untrusted strings** (team, application, model ids come from request metadata and logs) are
  neutralised in CSV: a text cell starting with ``= + - @``, TAB or CR (or their full-width
  forms) gets a leading ``'`` so a spreadsheet never evaluates it. Amount columns are numbers and
  keep their minus sign.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow.parquet as pq

from reconciler.core.arrow import pa
from reconciler.core.errors import ConfigError
from reconciler.core.textsafe import csv_safe
from reconciler.db.sql import execute
from reconciler.outputs.catalog import missing_columns, view_columns

__all__ = [
    "FOCUS_COLUMNS",
    "FocusExport",
    "build_focus_table",
    "export_focus",
    "focus_rows",
    "last_full_month",
    "latest_period",
    "render_csv",
    "write_focus",
]

FOCUS_VERSION = "1.2"
_MONEY = pa.decimal128(38, 12)
_TS = pa.timestamp("ms", tz="UTC")

# name -> arrow type, in the order written. FOCUS 1.2 mandatory columns plus the conditional ones
# this data can fill, then our x_ extension columns.
FOCUS_COLUMNS: dict[str, pa.DataType] = {
    "BilledCost": _MONEY,
    "BillingAccountId": pa.string(),
    "BillingAccountName": pa.string(),
    "BillingCurrency": pa.string(),
    "BillingPeriodEnd": _TS,
    "BillingPeriodStart": _TS,
    "ChargeCategory": pa.string(),
    "ChargeClass": pa.string(),
    "ChargeDescription": pa.string(),
    "ChargeFrequency": pa.string(),
    "ChargePeriodEnd": _TS,
    "ChargePeriodStart": _TS,
    "ConsumedQuantity": _MONEY,
    "ConsumedUnit": pa.string(),
    "ContractedCost": _MONEY,
    "EffectiveCost": _MONEY,
    "InvoiceIssuerName": pa.string(),
    "ListCost": _MONEY,
    "PricingCategory": pa.string(),
    "PricingQuantity": _MONEY,
    "PricingUnit": pa.string(),
    "ProviderName": pa.string(),
    "PublisherName": pa.string(),
    "ServiceCategory": pa.string(),
    "ServiceName": pa.string(),
    "ServiceSubcategory": pa.string(),
    "SubAccountId": pa.string(),
    "Tags": pa.string(),
    "x_Team": pa.string(),
    "x_Application": pa.string(),
    "x_BaseModel": pa.string(),
    "x_Charge": pa.string(),
    "x_AllocationMethod": pa.string(),
    "x_AllocatedLines": pa.string(),
}
_MONEY_COLUMNS = frozenset(k for k, v in FOCUS_COLUMNS.items() if v == _MONEY)
_COST_COLUMNS = frozenset(k for k in _MONEY_COLUMNS if k.endswith("Cost"))
_TS_COLUMNS = frozenset(k for k, v in FOCUS_COLUMNS.items() if v == _TS)

_UNITS = {"token": "Tokens", "image": "Images"}
# Who publishes the model (FOCUS PublisherName); AWS sells them all (ProviderName, issuer).
_PUBLISHERS = {
    "amazon": "AWS",
    "anthropic": "Anthropic",
    "meta": "Meta",
    "mistral": "Mistral AI",
    "cohere": "Cohere",
    "ai21": "AI21 Labs",
    "deepseek": "DeepSeek",
    "openai": "OpenAI",
    "qwen": "Qwen",
    "stability": "Stability AI",
    "writer": "Writer",
    "twelvelabs": "TwelveLabs",
    "luma": "Luma AI",
}


@dataclass(frozen=True)
class AllocatedRow:
    """One allocated_spend row as the export reads it."""

    usage_date: date
    team: str
    application: str
    base_model: str | None
    charge: str
    allocated_usd: Decimal
    lines: str
    basis: str
    quantity: int | None = None
    unit: str | None = None
    account_id: str | None = None


@dataclass(frozen=True)
class FocusExport:
    """What an export wrote: rows, the exact BilledCost total, the file and its format."""

    rows: int
    billed_total_usd: Decimal
    path: Path | None
    fmt: str


_NEEDED = frozenset(
    {
        "usage_date", "account_id", "team", "application", "base_model", "charge",
        "allocated_usd", "lines", "basis",
    }
)  # fmt: skip


_SPEND_NEEDED = {"usage_date", "account_id", "team", "application", "base_model", "charge"}


def focus_rows(con: duckdb.DuckDBPyConnection, start: date, end: date) -> list[AllocatedRow]:
    """The allocated rows of ``start``..``end`` (inclusive UTC days), with logged quantities
    (``export/focus_allocated.sql`` joins them)."""
    catalog = view_columns(con)
    if "allocated_spend" not in catalog:
        raise ConfigError(
            "export focus: the database has no allocated_spend view; run `reconciler run` for "
            "the period first"
        )
    needed = {"allocated_spend": set(_NEEDED), "spend": _SPEND_NEEDED | {"quantity", "unit"}}
    for view, missing in missing_columns(catalog, needed).items():
        raise ConfigError(
            f"export focus: view {view} lacks column(s) {', '.join(missing)} (the database was "
            "last written by an older version); run any writing command, e.g. `reconciler run`, "
            "once to update its views"
        )
    rows = execute(con, "export/focus_allocated", {"start": start, "end": end}).fetchall()
    return [
        AllocatedRow(
            d, t, a, m, c, Decimal(usd), lines or "", basis or "",
            None if q is None else int(q), u, acct,
        )
        for d, acct, t, a, m, c, usd, lines, basis, q, u in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class _Payers:
    """Who pays for which usage account, from the window's invoice lines."""

    by_account: dict[str, str]
    default: str | None
    found: str

    def of(self, account: str | None, start: date, end: date) -> str:
        payer = self.by_account.get(account or "") or self.default
        if payer is None:
            raise ConfigError(
                f"export focus: cannot tell the billing account ({self.found} for "
                f"{start}..{end}); pass --billing-account-id"
            )
        return payer


def _payers(con: duckdb.DuckDBPyConnection, start: date, end: date) -> _Payers:
    """Each usage account's payer (when its lines name exactly one), and a default for rows
    whose account names none: the one payer of the window, else (invoice lines without payer
    columns, written before payers were stored) the one usage account on the invoice."""
    pairs = execute(con, "export/focus_billing_accounts", {"start": start, "end": end}).fetchall()
    named: dict[str, set[str]] = {}
    for account, payer in pairs:
        named.setdefault(str(account), set())
        if payer is not None:
            named[str(account)].add(str(payer))
    by_account = {a: next(iter(p)) for a, p in named.items() if len(p) == 1}
    payers = set().union(*named.values()) if named else set()
    if len(payers) == 1:
        return _Payers(by_account, next(iter(payers)), "one payer")
    if not payers and len(named) == 1:
        return _Payers(by_account, next(iter(named)), "one account")
    if payers:
        found = f"{len(payers)} payer accounts on the invoice"
    elif named:
        found = f"{len(named)} accounts on the invoice and no payer account"
    else:
        found = "no invoice lines"
    return _Payers(by_account, None, found)


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


def _month(d: date) -> tuple[datetime, datetime]:
    first = d.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return _midnight(first), _midnight(nxt)


def latest_period(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """The latest billing period (calendar month) with allocated spend, or None when the database
    holds none: the default export, so that a run mid-month or a late invoice still exports
    what is there instead of an empty last month."""
    if "allocated_spend" not in view_columns(con):
        return None
    row = execute(con, "export/focus_latest_period", {}).fetchone()
    if row is None or row[0] is None:
        return None
    first, nxt = _month(row[0])
    return first.date(), (nxt - timedelta(days=1)).date()


def last_full_month(today: date) -> tuple[date, date]:
    """The last complete calendar month before ``today``: the natural chargeback period."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _category(lines: str) -> str:
    parts = {p.strip() for p in lines.split(",") if p.strip()}
    if parts and parts <= {"credit"}:
        return "Credit"
    if parts and parts <= {"tax_or_fee"}:
        return "Tax"
    return "Usage"


def _publisher(base_model: str | None) -> str:
    if not base_model:
        return "AWS"
    return _PUBLISHERS.get(base_model.split(".", 1)[0], "AWS")


def _record(r: AllocatedRow, billing_account_id: str) -> dict[str, Any]:
    category = _category(r.lines)
    bp_start, bp_end = _month(r.usage_date)
    quantity = Decimal(r.quantity) if r.quantity is not None and category == "Usage" else None
    unit = _UNITS.get(r.unit or "", r.unit) if quantity is not None else None
    model = r.base_model or "no model"
    return {
        "BilledCost": r.allocated_usd,
        "BillingAccountId": billing_account_id,
        "BillingAccountName": None,
        "BillingCurrency": "USD",
        "BillingPeriodEnd": bp_end,
        "BillingPeriodStart": bp_start,
        "ChargeCategory": category,
        "ChargeClass": None,
        "ChargeDescription": (
            f"Amazon Bedrock {r.charge} of {model}, allocated to {r.team} / {r.application}"
        ),
        "ChargeFrequency": "One-Time" if category == "Credit" else "Usage-Based",
        "ChargePeriodEnd": _midnight(r.usage_date + timedelta(days=1)),
        "ChargePeriodStart": _midnight(r.usage_date),
        "ConsumedQuantity": quantity,
        "ConsumedUnit": unit,
        "ContractedCost": r.allocated_usd,
        "EffectiveCost": r.allocated_usd,
        "InvoiceIssuerName": "AWS",
        "ListCost": r.allocated_usd,
        "PricingCategory": "Standard" if category == "Usage" else None,
        "PricingQuantity": quantity,
        "PricingUnit": unit,
        "ProviderName": "AWS",
        "PublisherName": _publisher(r.base_model),
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": "Amazon Bedrock",
        "ServiceSubcategory": "Generative AI",
        "SubAccountId": r.account_id,
        "Tags": json.dumps(
            {"team": r.team, "application": r.application}, ensure_ascii=False, sort_keys=True
        ),
        "x_Team": r.team,
        "x_Application": r.application,
        "x_BaseModel": r.base_model,
        "x_Charge": r.charge,
        "x_AllocationMethod": r.basis,
        "x_AllocatedLines": r.lines,
    }


def build_focus_table(
    rows: Iterable[AllocatedRow], billing_account_id: str | Callable[[AllocatedRow], str]
) -> pa.Table:
    """FOCUS 1.2 rows as an Arrow table with exact decimal costs and UTC timestamps.

    ``billing_account_id`` is one id for every row, or a function of the row (its account's
    payer)."""
    payer = billing_account_id if callable(billing_account_id) else None
    records = [_record(r, payer(r) if payer is not None else str(billing_account_id)) for r in rows]
    schema = pa.schema([pa.field(k, v) for k, v in FOCUS_COLUMNS.items()])
    return pa.Table.from_pylist(records, schema=schema)


def _csv_text(value: Any, column: str) -> str:
    if value is None:
        return ""
    if column in _MONEY_COLUMNS:
        return _decimal_str(value, cents=column in _COST_COLUMNS)
    if column in _TS_COLUMNS:
        return str(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return csv_safe(str(value))


def _decimal_str(value: Decimal, *, cents: bool = False) -> str:
    """Plain fixed-point text, exact, without exponent or trailing zeros (costs keep at least
    two decimals: 0.50, 1234.567891)."""
    value = value.normalize()
    if cents and value.as_tuple().exponent > -2:  # type: ignore[operator]
        value = value.quantize(Decimal("0.01"))
    text = format(value, "f")
    return text.removeprefix("-") if value.is_zero() else text


def render_csv(table: pa.Table) -> str:
    """CSV text: decimal strings for money, ISO 8601 UTC times, formula-neutralised text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names: Sequence[str] = table.column_names
    writer.writerow(names)
    for row in table.to_pylist():
        writer.writerow([_csv_text(row[n], n) for n in names])
    return buf.getvalue()


def write_focus(table: pa.Table, out: Path, fmt: Literal["csv", "parquet"]) -> None:
    """Write ``table`` atomically-enough: to a temporary sibling, then renamed into place."""
    tmp = out.with_name(out.name + ".tmp")
    if fmt == "parquet":
        pq.write_table(table, tmp)
    else:
        tmp.write_text(render_csv(table), encoding="utf-8")
    tmp.replace(out)


def export_focus(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    *,
    out: Path | None = None,
    fmt: Literal["csv", "parquet"] = "csv",
    billing_account_id: str | None = None,
) -> tuple[pa.Table, FocusExport]:
    """Export the allocated spend of ``start``..``end`` as FOCUS 1.2; write it when ``out``.

    ``billing_account_id`` overrides the BillingAccountId of every row. By default each row gets
    its usage account's payer from the window's invoice lines (``payer_account_id``), rows of
    an account that names none the window's one payer; when that cannot be told (several payers
    and no payer for the account, or no invoice lines), the caller must name it (ConfigError,
    exit 2).
    """
    if end < start:
        raise ConfigError(f"export focus: --end {end} is before --start {start}")
    rows = focus_rows(con, start, end)
    if billing_account_id:
        table = build_focus_table(rows, billing_account_id)
    else:
        payers = _payers(con, start, end) if rows else _Payers({}, "", "no rows")
        table = build_focus_table(rows, lambda r: payers.of(r.account_id, start, end))
    if out is not None:
        write_focus(table, out, fmt)
    total = sum((r.allocated_usd for r in rows), Decimal(0))
    return table, FocusExport(len(rows), total, out, fmt)
