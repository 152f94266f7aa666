"""The chargeback: what each team (and application ...) owes per billing period, from the invoice.

The spend report (:mod:`reconciler.outputs.report`) shows *rated* cost: tokens times list prices.
What a
team is charged back is the *invoiced* cost split to it (the ``allocated_spend`` view): its
usage as billed, its share of non-token charges (by the allocation policy), idle provisioned
capacity, credits and discounts that name no model, taxes and fees, and the billed usage nobody
logged. Those parts can make a team's amount look wrong (a credit larger than a team's usage
makes it negative; an idle provisioned model costs hundreds while its rated cost is zero), so
every row carries its parts and, where a part other than usage is in it, a sentence saying why.

Amounts come from the ``allocated_spend`` view in whole cents (largest remainder per billing
period), so a period's rows add up to its invoiced total rounded half-up to the cent, and
:attr:`PeriodTotal.ties` checks exactly that against the ``bill_bridge`` view's invoiced total.
A period whose allocation is stale (reconciled again but not re-allocated) does not tie and the
report says so. The invoice is monthly: the report covers whole billing periods, every month
that overlaps the requested window.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from reconciler.core.errors import ConfigError
from reconciler.core.textsafe import csv_safe, strip_controls
from reconciler.db import sql
from reconciler.outputs.catalog import missing_columns, view_columns
from reconciler.outputs.report import json_escape, md_cell, renderer, text_clip, text_width

__all__ = [
    "DIMENSIONS",
    "NEEDED",
    "PARTS",
    "RENDERERS",
    "Chargeback",
    "ChargebackRow",
    "PeriodTotal",
    "build_chargeback",
    "explain",
    "has_invoice",
    "money",
    "render",
]

DIMENSIONS: dict[str, int] = {
    "team": 0,
    "application": 1,
    "model": 2,
    "account": 3,
    "charge": 4,
}
"""``--by`` names a chargeback can group by -> position in the query's key columns."""

PARTS: tuple[tuple[str, str], ...] = (
    ("usage_usd", "usage"),
    ("non_token_usd", "non-token"),
    ("idle_usd", "idle capacity"),
    ("credit_usd", "credits"),
    ("tax_or_fee_usd", "taxes and fees"),
    ("unattributed_usd", "unattributed"),
)
"""The parts of ``amount_usd`` (columns of ``allocated_spend``) and their display labels."""

_CENT = Decimal("0.01")
_ZERO = Decimal(0)


@dataclass(frozen=True)
class ChargebackRow:
    """One group's invoiced cost in one billing period. ``parts`` follow :data:`PARTS` and add up
    to ``amount_usd`` exactly; ``rated_usd`` is the rated (list) cost of the same group (None when
    nothing of it was priced or it used nothing rated, e.g. idle capacity or credits)."""

    billing_period: date
    keys: tuple[str, ...]
    amount_usd: Decimal
    parts: tuple[Decimal, ...]
    rated_usd: Decimal | None
    basis: tuple[str, ...]
    explanation: str

    def part(self, column: str) -> Decimal:
        return self.parts[[c for c, _ in PARTS].index(column)]


@dataclass(frozen=True)
class PeriodTotal:
    """A billing period's total: the allocated cents against the invoiced total."""

    billing_period: date
    amount_usd: Decimal
    parts: tuple[Decimal, ...]
    rated_usd: Decimal | None
    invoiced_usd: Decimal | None

    @property
    def ties(self) -> bool:
        """The allocated cents equal the invoiced total rounded half-up to the cent."""
        return self.invoiced_usd is not None and self.amount_usd == _cents(self.invoiced_usd)


@dataclass(frozen=True)
class Chargeback:
    """The chargeback for the billing periods overlapping ``start``..``end``."""

    start: date
    end: date
    by: tuple[str, ...]
    rows: tuple[ChargebackRow, ...]
    periods: tuple[PeriodTotal, ...]

    @property
    def ties(self) -> bool:
        """Every billing period sums to its invoice to the cent (and there is one)."""
        return bool(self.periods) and all(p.ties for p in self.periods)

    @property
    def title(self) -> str:
        months = ", ".join(p.billing_period.strftime("%Y-%m") for p in self.periods) or "none"
        return f"Chargeback by {', '.join(self.by)}, billing period {months} (invoiced cost, USD)"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP) + 0  # + 0: never -0.00


def money(value: Decimal | None) -> str:
    """Cents with thousands separators and never ``-0.00``; '' for None."""
    return "" if value is None else f"{_cents(value):,.2f}"


def billing_periods(start: date, end: date) -> tuple[date, date]:
    """First day of the first and of the last month that ``start``..``end`` touches."""
    return start.replace(day=1), end.replace(day=1)


def has_invoice(con: duckdb.DuckDBPyConnection, start: date, end: date) -> bool:
    """Whether a billing period overlapping the window has allocated invoice lines (the default
    basis of ``reconciler report`` is then ``invoice``)."""
    p_start, p_end = billing_periods(start, end)
    found = sql.execute(
        con, "report/chargeback_has_invoice", {"start": p_start, "end": _month_end(p_end)}
    ).fetchone()
    return bool(found and found[0])


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _check_dims(by: Sequence[str]) -> tuple[str, ...]:
    dims = tuple(d.strip() for d in by if d.strip())
    unknown = [d for d in dims if d not in DIMENSIONS]
    if not dims or unknown:
        raise ConfigError(
            "--by with --basis invoice: unknown dimension "
            f"{', '.join(map(repr, unknown)) or '(none)'}; the chargeback groups by "
            f"{', '.join(DIMENSIONS)}"
        )
    if len(set(dims)) != len(dims):
        raise ConfigError(f"--by: a dimension is repeated in {','.join(dims)}")
    return dims


NEEDED: dict[str, set[str]] = {
    "allocated_spend": {"billing_period", *(c for c, _ in PARTS), "allocated_usd", "basis"},
    "bill_bridge": {"billing_period", "kind", "amount_usd"},
    "spend": {
        "usage_date",
        "team",
        "application",
        "base_model",
        "account_id",
        "charge",
        "cost_usd",
        "priced",
    },
}


"""The views and columns the chargeback reads (the HTML report checks them too)."""


def _check_views(con: duckdb.DuckDBPyConnection) -> None:
    """A database last written by an older version has older views (views are re-created by
    every writing command); say so instead of failing with a binder error."""
    for view, missing in missing_columns(view_columns(con), NEEDED).items():
        raise ConfigError(
            f"--basis invoice: view {view} lacks {', '.join(missing)} (the database was last "
            "written by an older version); run any writing command, e.g. `reconciler run`, "
            "once to update its views, or use --basis list"
        )


def build_chargeback(
    con: duckdb.DuckDBPyConnection, start: date, end: date, by: Sequence[str] = ("team",)
) -> Chargeback:
    """The chargeback of every billing period overlapping ``start``..``end``, grouped by ``by``."""
    dims = _check_dims(by)
    if start > end:
        raise ConfigError(f"--start {start} is after --end {end}: give start <= end")
    _check_views(con)
    p_start, p_end = billing_periods(start, end)
    params = {"start": p_start, "end": p_end}
    allocated = sql.execute(con, "report/chargeback", params).fetchall()
    rated = sql.execute(
        con, "report/chargeback_rated", {"start": p_start, "end": _month_end(p_end)}
    ).fetchall()
    invoiced = dict(sql.execute(con, "report/chargeback_invoiced", params).fetchall())

    pos = [DIMENSIONS[d] for d in dims]
    groups: dict[tuple[Any, ...], list[Decimal]] = {}
    bases: dict[tuple[Any, ...], set[str]] = {}
    for r in allocated:
        key = (r[0], *(str(r[1 + i]) for i in pos))
        acc = groups.setdefault(key, [_ZERO] * (1 + len(PARTS)))
        for i, v in enumerate(r[6:13]):
            acc[i] += v
        bases.setdefault(key, set()).update(str(r[13]).split(","))
    rated_by: dict[tuple[Any, ...], Decimal] = {}
    for r in rated:
        key = (r[0], *(str(r[1 + i]) for i in pos))
        if r[6] is not None:
            rated_by[key] = rated_by.get(key, _ZERO) + r[6]

    rows = []
    for key, acc in groups.items():
        amount, parts = acc[0], tuple(acc[1:])
        rows.append(
            ChargebackRow(
                billing_period=key[0],
                keys=tuple(key[1:]),
                amount_usd=amount,
                parts=parts,
                rated_usd=rated_by.get(key),
                basis=tuple(sorted(bases[key])),
                explanation=explain(amount, parts, tuple(sorted(bases[key]))),
            )
        )
    rows.sort(key=lambda r: (r.billing_period, -r.amount_usd, r.keys))

    periods = []
    for period in sorted({r.billing_period for r in rows} | set(invoiced)):
        mine = [r for r in rows if r.billing_period == period]
        rated_total = [v for k, v in rated_by.items() if k[0] == period]
        periods.append(
            PeriodTotal(
                billing_period=period,
                amount_usd=sum((r.amount_usd for r in mine), _ZERO),
                parts=tuple(sum((r.parts[i] for r in mine), _ZERO) for i in range(len(PARTS))),
                rated_usd=sum(rated_total, _ZERO) if rated_total else None,
                invoiced_usd=invoiced.get(period),
            )
        )
    return Chargeback(start, end, dims, tuple(rows), tuple(periods))


def explain(amount: Decimal, parts: Sequence[Decimal], basis: Sequence[str] = ()) -> str:
    """Why an amount is what it is, when it is more than plain usage (empty otherwise).

    Every negative amount gets a reason: only credits can make a row negative, so the sentence
    names the credit and what it outweighs.
    """
    _usage, non_token, idle, credit, tax, unattributed = parts
    out: list[str] = []
    if credit:
        why = (
            "credit lines that name no model, shared by the account's teams by rated cost"
            if credit < 0
            else "credit reversals, shared by the account's teams by rated cost"
        )
        if amount < 0:
            out.append(
                f"negative: credits {money(credit)} ({why}) exceed the "
                f"{money(amount - credit)} charged this period"
            )
        else:
            out.append(f"credits {money(credit)}: {why}")
    elif amount < 0:  # only credits make a row negative today; never leave one unexplained
        out.append("negative: discounts in this period exceed its charges")
    if non_token:
        how = [b for b in basis if b in ("even", "owner", "rated_cost", "tokens")]
        out.append(
            f"non-token charges {money(non_token)} (provisioned or imported-model time, "
            "guardrails, storage) split by the [allocation] policy"
            + (f" ({', '.join(how)})" if how else "")
        )
    if idle:
        out.append(
            f"idle capacity {money(idle)}: provisioned model-unit hours with no traffic logged"
        )
    if tax:
        out.append(f"taxes and fees {money(tax)}, shared like credits")
    if unattributed:
        out.append(
            f"unattributed {money(unattributed)}: billed usage with no logs or no model mapping "
            "(gaps unlogged_usage, unmapped_usage_type)"
        )
    return "; ".join(out)


# ---- rendering ---------------------------------------------------------------------------------


def _period(d: date) -> str:
    return d.strftime("%Y-%m")


def _ties_line(p: PeriodTotal) -> str:
    if p.invoiced_usd is None:
        return (
            f"{_period(p.billing_period)}: allocated {money(p.amount_usd)}, but no invoiced total "
            "(run `reconciler run` over the period after `ingest invoice`)"
        )
    exact = format(p.invoiced_usd, "f")
    if p.ties:
        return (
            f"{_period(p.billing_period)}: ties to the invoice: {money(p.amount_usd)} = "
            f"{exact} USD invoiced, rounded to the cent"
        )
    return (
        f"{_period(p.billing_period)}: DOES NOT TIE: allocated {money(p.amount_usd)} against "
        f"{exact} USD invoiced; re-run `reconciler run` over the period to allocate it again"
    )


def _footer(cb: Chargeback) -> list[str]:
    lines = [_ties_line(p) for p in cb.periods] or ["no billing period with an invoice"]
    window = f"{cb.start}..{cb.end}"
    lines.append(
        f"whole billing periods: the invoice is monthly (window {window}); rated = list cost"
    )
    return lines


_HEAD = ["billing_period", "amount_usd", *(c for c, _ in PARTS), "rated_usd"]


def _shown_parts(cb: Chargeback) -> list[int]:
    """Indexes of the parts that are non-zero somewhere (usage always): narrower tables."""
    return [
        i
        for i in range(len(PARTS))
        if i == 0 or any(r.parts[i] for r in cb.rows) or any(p.parts[i] for p in cb.periods)
    ]


def _part_cell(v: Decimal) -> str:
    return money(v) if v else ""


def render_table(cb: Chargeback) -> str:
    """Aligned text; explanations as numbered notes under the table (they are long)."""
    shown = _shown_parts(cb)
    header = ["period", *cb.by, "owes", *(PARTS[i][1] for i in shown), "rated", "note"]
    body: list[list[str]] = []
    notes: list[str] = []
    n_keys = 1 + len(cb.by)
    for r in cb.rows:
        note = ""
        if r.explanation:
            notes.append(f"[{len(notes) + 1}] {strip_controls(', '.join(r.keys))}: {r.explanation}")
            note = f"[{len(notes)}]"
        body.append(
            [
                _period(r.billing_period),
                *(text_clip(strip_controls(k), 40) for k in r.keys),
                money(r.amount_usd),
                *(_part_cell(r.parts[i]) for i in shown),
                money(r.rated_usd),
                note,
            ]
        )
    totals = [
        [
            _period(p.billing_period),
            "TOTAL",
            *([""] * (len(cb.by) - 1)),
            money(p.amount_usd),
            *(_part_cell(p.parts[i]) for i in shown),
            money(p.rated_usd),
            "",
        ]
        for p in cb.periods
    ]
    widths = [
        max(text_width(row[i]) for row in [header, *body, *totals]) for i in range(len(header))
    ]

    def line(cells: list[str]) -> str:
        parts = []
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (w - text_width(cell))
            parts.append(cell + pad if i < n_keys or i == len(cells) - 1 else pad + cell)
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [cb.title, "", line(header), rule, *(line(r) for r in body), rule]
    out += [line(t) for t in totals]
    return "\n".join([*out, "", *_footer(cb), *(["", *notes] if notes else [])]) + "\n"


def render_md(cb: Chargeback) -> str:
    """A markdown table with the explanation as the last column (escaped like the spend report)."""
    shown = _shown_parts(cb)
    header = ["billing_period", *cb.by, "owes", *(PARTS[i][1] for i in shown), "rated", "why"]
    align = ["---"] * (1 + len(cb.by)) + ["---:"] * (2 + len(shown)) + ["---"]
    rows = [
        [
            _period(r.billing_period),
            *(md_cell(k) or " " for k in r.keys),
            money(r.amount_usd),
            *(_part_cell(r.parts[i]) for i in shown),
            money(r.rated_usd),
            md_cell(r.explanation),
        ]
        for r in cb.rows
    ]
    totals = [
        [
            _period(p.billing_period),
            "**Total**",
            *([""] * (len(cb.by) - 1)),
            money(p.amount_usd),
            *(_part_cell(p.parts[i]) for i in shown),
            money(p.rated_usd),
            "",
        ]
        for p in cb.periods
    ]
    out = [f"**{md_cell(cb.title)}**", ""]
    out += ["| " + " | ".join(c) + " |" for c in [header, align, *rows, *totals]]
    return "\n".join([*out, "", *(f"_{md_cell(line)}_" for line in _footer(cb))]) + "\n"


def _exact(value: Decimal | None) -> str:
    return "" if value is None else format(value + 0, "f")


def render_csv(cb: Chargeback) -> str:
    """One row per billing period and group, no total row: summing ``amount_usd`` per
    ``billing_period`` gives the invoice. Amounts are whole cents (exact); rated_usd exact."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(
        ["billing_period", *cb.by, "amount_usd", *(c for c, _ in PARTS), "rated_usd", "explanation"]
    )
    for r in cb.rows:
        writer.writerow(
            [
                r.billing_period.isoformat(),
                *(csv_safe(k) for k in r.keys),
                _csv_cents(r.amount_usd),
                *map(_csv_cents, r.parts),
                _exact(r.rated_usd),
                csv_safe(r.explanation),
            ]
        )
    return buf.getvalue()


def _csv_cents(value: Decimal) -> str:
    return format(_cents(value), "f")


def render_json(cb: Chargeback) -> str:
    """Exact decimal strings; rows to sum, and per period the invoiced total and whether it ties."""

    def amounts(amount: Decimal, parts: Sequence[Decimal], rated: Decimal | None) -> dict[str, Any]:
        return {
            "amount_usd": _exact(amount),
            **{c: _exact(v) for (c, _), v in zip(PARTS, parts, strict=True)},
            "rated_usd": _exact(rated) or None,
        }

    doc = {
        "basis": "invoice",
        "window": {"start": cb.start.isoformat(), "end": cb.end.isoformat()},
        "by": list(cb.by),
        "currency": "USD",
        "rows": [
            {"billing_period": r.billing_period.isoformat()}
            | dict(zip(cb.by, r.keys, strict=True))
            | amounts(r.amount_usd, r.parts, r.rated_usd)
            | {"explanation": r.explanation}
            for r in cb.rows
        ],
        "periods": [
            {"billing_period": p.billing_period.isoformat()}
            | amounts(p.amount_usd, p.parts, p.rated_usd)
            | {"invoiced_usd": _exact(p.invoiced_usd) or None, "ties": p.ties}
            for p in cb.periods
        ],
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    return "".join(json_escape(ch) for ch in text) + "\n"


RENDERERS: dict[str, Callable[[Chargeback], str]] = {
    "table": render_table,
    "csv": render_csv,
    "md": render_md,
    "json": render_json,
}


def render(cb: Chargeback, fmt: str) -> str:
    return renderer(RENDERERS, fmt)(cb)
