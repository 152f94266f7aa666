"""What the HTML report shows, read from the public views into plain frozen rows.

The report is built in two steps so that each can be tested alone: :func:`build_report_data`
reads the views into a :class:`ReportData` (plain, typed, ``Decimal`` money), and
:func:`reconciler.outputs.html_report.render_html` turns that into markup without touching a
database.

Every section is optional. A section whose view is not in the database (an older database, or a
stage that has not run) is listed in ``ReportData.unavailable`` with the reason and rendered as
"no data"; the report never fails because one view is missing. A view that exists but lacks a
column the report needs is also listed there, naming the columns, so a schema drift is visible
in the report rather than hidden. Existence is checked in the catalog, never by catching a
binder error, so a real SQL bug still surfaces as an exception.

Money stays ``Decimal`` from DuckDB to the page; rounding to cents happens only when rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

from reconciler.db.sql import load
from reconciler.outputs.catalog import missing_columns, view_columns
from reconciler.outputs.chargeback import NEEDED as CHARGEBACK_NEEDS
from reconciler.outputs.chargeback import Chargeback, build_chargeback

__all__ = [
    "BridgeStep",
    "Chargeback",
    "Gap",
    "LoggingCoverage",
    "ModelSpend",
    "ReportData",
    "RuleCoverage",
    "TeamDaySpend",
    "build_report_data",
]


@dataclass(frozen=True)
class TeamDaySpend:
    """Rated spend of one team on one day. ``cost_usd`` is None when nothing was priced."""

    team: str
    day: date
    cost_usd: Decimal | None
    unpriced_rows: int = 0


@dataclass(frozen=True)
class ModelSpend:
    """Rated quantity and spend of one model and charge over the period."""

    base_model: str
    charge: str
    quantity: int
    unit: str
    cost_usd: Decimal | None
    unpriced_rows: int = 0


@dataclass(frozen=True)
class BridgeStep:
    """One step of a billing period's bill bridge. kind: start | cause | end."""

    billing_period: date
    step: int
    kind: str
    cause: str
    amount_usd: Decimal


@dataclass(frozen=True)
class Gap:
    """A reconciliation row beyond tolerance."""

    day: date
    account_id: str | None
    region: str | None
    base_model: str | None
    charge: str | None
    logged_quantity: Decimal | None
    invoiced_quantity: Decimal | None
    rated_cost_usd: Decimal | None
    invoiced_cost_usd: Decimal | None
    delta_usd: Decimal | None
    cause: str | None
    explanation: str | None


@dataclass(frozen=True)
class RuleCoverage:
    """How much one attribution rule explains. share is a ratio (0.25 = 25 %)."""

    rule: str
    requests: int
    cost_usd: Decimal | None
    share: Decimal | None


@dataclass(frozen=True)
class LoggingCoverage:
    """Logged tokens against CloudWatch metric tokens for one account, Region and model."""

    account_id: str | None
    region: str
    model_id: str
    coverage_pct: Decimal | None
    missing_hours: int


@dataclass(frozen=True)
class ReportData:
    """Everything the HTML report shows for the inclusive UTC period ``start``..``end``.

    ``unavailable`` maps a section key (``chargeback``, ``team_spend``, ``models``, ``bridge``,
    ``gaps``, ``attribution``, ``logging``) to why it has no data source (view missing or
    incomplete). ``chargeback`` is what each team owes per billing period (whole months that
    overlap the period), from the invoice; None when it cannot be built.
    """

    start: date
    end: date
    chargeback: Chargeback | None = None
    team_daily: tuple[TeamDaySpend, ...] = ()
    models: tuple[ModelSpend, ...] = ()
    bridge: tuple[BridgeStep, ...] = ()
    gaps: tuple[Gap, ...] = ()
    attribution: tuple[RuleCoverage, ...] = ()
    logging: tuple[LoggingCoverage, ...] = ()
    unavailable: Mapping[str, str] = field(default_factory=dict)


# section -> (view, columns the report's query reads, named query)
_SOURCES: dict[str, tuple[str, frozenset[str], str]] = {
    "team_spend": (
        "spend",
        frozenset({"team", "usage_date", "cost_usd", "priced"}),
        "report/team_daily",
    ),
    "models": (
        "spend",
        frozenset({"base_model", "charge", "unit", "quantity", "cost_usd", "priced", "usage_date"}),
        "report/model_breakdown",
    ),
    "bridge": (
        "bill_bridge",
        frozenset({"billing_period", "step", "kind", "name", "amount_usd"}),
        "report/bill_bridge",
    ),
    "gaps": (
        "reconciliation",
        frozenset(
            {
                "usage_date",
                "account_id",
                "region",
                "base_model",
                "charge",
                "logged_quantity",
                "invoiced_quantity",
                "rated_cost_usd",
                "invoiced_cost_usd",
                "delta_usd",
                "status",
                "cause",
                "explanation",
            }
        ),
        "report/gaps",
    ),
    "attribution": (
        "attribution_coverage",
        frozenset({"attribution_rule", "requests", "cost_usd", "cost_share"}),
        "report/attribution",
    ),
    "logging": (
        "logging_coverage_summary",
        frozenset(
            {
                "account_id",
                "region",
                "model_id",
                "coverage_pct",
                "missing_hours",
                "first_hour",
                "last_hour",
            }
        ),
        "report/logging",
    ),
}


def _fetch(
    con: duckdb.DuckDBPyConnection, query: str, start: date, end: date
) -> list[tuple[Any, ...]]:
    params = {"start": start, "end": end}
    text = load(query)  # DuckDB rejects parameters a statement does not use
    return con.execute(text, {k: v for k, v in params.items() if f"${k}" in text}).fetchall()


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def build_report_data(con: duckdb.DuckDBPyConnection, start: date, end: date) -> ReportData:
    """Read the report's sections for ``start``..``end`` (inclusive UTC days) from the views.

    Sections whose view is absent or lacks a needed column are skipped and named in
    ``unavailable``; the report then says "no data" for them instead of failing.
    """
    catalog = view_columns(con)
    unavailable: dict[str, str] = {}
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for section, (view, needed, query) in _SOURCES.items():
        if view not in catalog:
            unavailable[section] = f"view {view} is not in this database"
            continue
        missing = sorted(needed - catalog[view])
        if missing:
            unavailable[section] = f"view {view} lacks column(s) {', '.join(missing)}"
            continue
        rows[section] = _fetch(con, query, start, end)

    chargeback = None
    # absent or older views: no chargeback section
    problems = [
        f"view {v} is not in this database"
        if v not in catalog
        else f"view {v} lacks {', '.join(c)}"
        for v, c in missing_columns(catalog, CHARGEBACK_NEEDS).items()
    ]
    if problems:
        unavailable["chargeback"] = "; ".join(problems)
    else:
        chargeback = build_chargeback(con, start, end, ("team",))
        if not chargeback.periods:
            unavailable["chargeback"] = "no invoice is allocated for these billing periods yet"

    return ReportData(
        start=start,
        end=end,
        chargeback=chargeback,
        team_daily=tuple(
            TeamDaySpend(str(t), d, _dec(c), int(u)) for t, d, c, u in rows.get("team_spend", [])
        ),
        models=tuple(
            ModelSpend(str(m), str(ch), int(q or 0), str(un), _dec(c), int(u))
            for m, ch, un, q, c, u in rows.get("models", [])
        ),
        bridge=tuple(
            BridgeStep(p, int(s), str(k), str(n), Decimal(a))
            for p, s, k, n, a in rows.get("bridge", [])
        ),
        gaps=tuple(
            Gap(d, acct, reg, m, ch, _dec(lq), _dec(iq), _dec(rc), _dec(ic), _dec(dl), cause, ex)
            for d, acct, reg, m, ch, lq, iq, rc, ic, dl, cause, ex in rows.get("gaps", [])
        ),
        attribution=tuple(
            RuleCoverage(str(r), int(n or 0), _dec(c), _dec(s))
            for r, n, c, s in rows.get("attribution", [])
        ),
        logging=tuple(
            LoggingCoverage(a, str(r), str(m), _dec(p), int(h or 0))
            for a, r, m, p, h in rows.get("logging", [])
        ),
        unavailable=unavailable,
    )
