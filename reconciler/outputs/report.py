"""The spend report: cost per team (or application, model ...) for a period, from ``spend``.

One :class:`Report` is built from the ``spend`` view (:func:`build_report`) and handed to a
renderer, one function per format taking the same report and returning text (``RENDERERS``); an
HTML renderer is one more function of that shape. Amounts stay exact :class:`~decimal.Decimal`
until a renderer formats them: table and markdown show cents, CSV and JSON carry the exact
decimal strings, and the total is the exact sum of the ``spend`` view for the period, so it ties
out to the cent with any ad hoc SQL over that view.

Unpriced usage (no price, or an unknown model) is never shown as $0: its cost is left out of
``cost_usd``, its tokens are reported in ``unpriced_tokens``, a group with nothing priced shows
``unpriced`` instead of an amount, and :attr:`Report.unpriced_rows` lets the CLI exit 1.

Every key (team, application, model ...) comes from a log or a rules file and is untrusted:
CSV cells that a spreadsheet would run as a formula get a leading ``'``; markdown escapes its
table and inline syntax and HTML metacharacters; the table strips control and bidi characters.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import duckdb

from reconciler.core.errors import ConfigError
from reconciler.core.textsafe import csv_safe, strip_controls
from reconciler.db.sql import execute
from reconciler.outputs.catalog import view_columns

__all__ = [
    "DIMENSIONS",
    "RENDERERS",
    "Report",
    "ReportRow",
    "build_report",
    "json_escape",
    "md_cell",
    "render",
    "render_csv",
    "render_json",
    "render_md",
    "render_table",
    "renderer",
    "resolve_period",
    "text_clip",
    "text_width",
]

DIMENSIONS = ("team", "application", "model", "account", "region", "routing", "tier", "mode",
              "charge", "context_tier", "rule")  # fmt: skip
"""``--by`` names; ``report/spend_groups.sql`` maps each to its ``spend`` column (bound as a
list parameter: no identifier from the command line reaches the SQL text)."""

NO_TOKEN_DIMENSIONS = frozenset(
    {"team", "application", "model", "account", "region", "routing", "rule"}
)
"""The ``--by`` names that apply to a request with no tokens at all
(``report/no_token_requests.sql``); the other dimensions (charge, tier ...) do not."""

_T = TypeVar("_T")

MEASURES = ("cost_usd", "share", "tokens", "requests", "unpriced_tokens")
"""The columns every report row has after its keys."""

_CENT = Decimal("0.01")
_SHARE = Decimal("0.000001")


@dataclass(frozen=True)
class ReportRow:
    """One group, or the total (``keys`` empty). ``cost_usd`` is None when nothing was priced."""

    keys: tuple[str, ...]
    cost_usd: Decimal | None
    list_cost_usd: Decimal | None
    discount_usd: Decimal | None
    tokens: int
    requests: int
    unpriced_tokens: int
    unpriced_rows: int
    share: Decimal | None


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    by: tuple[str, ...]
    rows: tuple[ReportRow, ...]
    total: ReportRow
    no_token_requests: int = 0
    """Requests with no tokens at all (blocked by a guardrail, or failed) in the period; they are
    in ``requests`` (of their group, or only of the total when grouped by charge, tier, mode or
    context tier, which they do not have)."""

    @property
    def unpriced_rows(self) -> int:
        """Spend rows in the period with no price (a finding: the CLI exits 1)."""
        return self.total.unpriced_rows

    @property
    def title(self) -> str:
        return f"Bedrock spend by {', '.join(self.by)}, {self.start} to {self.end} (USD)"


def resolve_period(
    con: duckdb.DuckDBPyConnection, start: date | None, end: date | None, today: date
) -> tuple[date, date]:
    """The report period. ``end`` defaults to the last full UTC day present in ``spend`` (the
    newest usage date before ``today``; else the newest day, even if partial; else yesterday),
    never before ``start``; ``start`` defaults to ``end`` (a one-day report)."""
    if end is None:
        full, newest = execute(con, "report/spend_period", {"today": today}).fetchall()[0]
        end = full or newest or date.fromordinal(today.toordinal() - 1)
        if start is not None and start > end:
            end = start
    return (start or end), end


def build_report(
    con: duckdb.DuckDBPyConnection, start: date, end: date, by: Sequence[str] = ("team",)
) -> Report:
    """Group ``spend`` rows of the UTC days ``start``..``end`` (inclusive) by ``by``."""
    dims = _check_dims(by)
    if start > end:
        raise ConfigError(f"--start {start} is after --end {end}: give start <= end")
    params = {"start": start, "end": end, "by": list(dims)}
    # requests_counted counts a request once across charges; grouped by charge, count per charge
    result = execute(con, "report/spend_groups", params | {"per_charge": "charge" in dims})
    grouped, total_row = [], None
    for keys, is_total, *measures in result.fetchall():
        if is_total:
            total_row = measures
        else:
            grouped.append((tuple(keys), measures))
    if total_row is None:  # GROUPING SETS (..., ()) always yields the total row
        raise RuntimeError("report/spend_groups returned no total row")
    total_cost = total_row[0]
    rows = [_row(keys, measures, total_cost) for keys, measures in grouped]
    by_group, no_tokens = _no_token_requests(con, start, end, dims)
    if by_group:
        rows = _add_requests(rows, by_group)
    rows.sort(key=lambda r: (r.cost_usd is None, -(r.cost_usd or 0), r.keys))
    total = _row((), total_row, total_cost)
    if no_tokens:
        total = replace(total, requests=total.requests + no_tokens)
    return Report(start, end, dims, tuple(rows), total, no_tokens)


def _no_token_requests(
    con: duckdb.DuckDBPyConnection, start: date, end: date, dims: tuple[str, ...]
) -> tuple[dict[tuple[str, ...], int], int]:
    """Requests with no tokens at all in the period, per group and in total.

    They make no usage rows (a quantity of 0 is not a row, docs/rating.md), so ``spend`` never
    counts them; a guardrail-blocked call is still a request a team made, so the report counts
    it from the ``invocations`` view. Per group only when every ``--by`` dimension applies to a
    request without tokens; else they are in the total only.
    """
    if "invocations" not in view_columns(con):
        return {}, 0
    params = {"start": start, "end": end, "by": list(dims)}
    total, groups = 0, {}
    for keys, is_total, n in execute(con, "report/no_token_requests", params).fetchall():
        if is_total:
            total = int(n)
        else:
            groups[tuple(str(k) for k in keys)] = int(n)
    if not total or any(d not in NO_TOKEN_DIMENSIONS for d in dims):
        return {}, total
    return groups, total


def _add_requests(rows: list[ReportRow], extra: dict[tuple[str, ...], int]) -> list[ReportRow]:
    """Add the no-token requests to their groups; a group of only such requests costs $0."""
    out = [replace(r, requests=r.requests + extra.get(r.keys, 0)) for r in rows]
    seen = {r.keys for r in rows}
    for keys, n in sorted(extra.items()):
        if keys not in seen:
            out.append(ReportRow(keys, Decimal(0), Decimal(0), Decimal(0), 0, n, 0, 0, Decimal(0)))
    return out


def _check_dims(by: Sequence[str]) -> tuple[str, ...]:
    dims = tuple(d.strip() for d in by if d.strip())
    unknown = [d for d in dims if d not in DIMENSIONS]
    if not dims or unknown:
        raise ConfigError(
            f"--by: unknown dimension {', '.join(map(repr, unknown)) or '(none)'}; "
            f"choose from {', '.join(DIMENSIONS)}"
        )
    if len(set(dims)) != len(dims):
        raise ConfigError(f"--by: a dimension is repeated in {','.join(dims)}")
    return dims


def _row(keys: tuple[str, ...], m: Sequence[Any], total_cost: Decimal | None) -> ReportRow:
    cost = m[0]
    share = None
    if cost is not None and total_cost:
        share = (cost / total_cost).quantize(_SHARE, rounding=ROUND_HALF_UP)
    return ReportRow(
        keys=tuple(str(k) for k in keys),
        cost_usd=cost,
        list_cost_usd=m[1],
        discount_usd=m[2],
        tokens=int(m[3]),
        requests=int(m[4]),
        unpriced_tokens=int(m[5]),
        unpriced_rows=int(m[6]),
        share=share,
    )


# ---- rendering: one function per format, each taking the same Report ---------------------------


def _cents(value: Decimal | None) -> str:
    # + 0 turns a negative zero into 0: an amount that rounds to nothing never shows as -0.00
    return "unpriced" if value is None else f"{value.quantize(_CENT, rounding=ROUND_HALF_UP) + 0:,}"


def _exact(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _percent(share: Decimal | None) -> str:
    return "-" if share is None else f"{(share * 100).quantize(Decimal('0.1'))}%"


def _display_cells(row: ReportRow) -> list[str]:
    return [
        _cents(row.cost_usd),
        _percent(row.share),
        f"{row.tokens:,}",
        f"{row.requests:,}",
        f"{row.unpriced_tokens:,}",
    ]


def _footer(report: Report) -> list[str]:
    lines = [f"total ties out to spend: {_exact(report.total.cost_usd) or '0'} USD exact"]
    if report.no_token_requests:
        where = (
            "in their groups"
            if all(d in NO_TOKEN_DIMENSIONS for d in report.by)
            else "in the total only (they have no charge, tier, mode or context tier)"
        )
        lines.append(
            f"requests include {report.no_token_requests:,} with no tokens (blocked by a "
            f"guardrail, or failed), {where}"
        )
    if report.unpriced_rows:
        lines.append(
            f"unpriced: {report.unpriced_rows} spend rows, {report.total.unpriced_tokens:,} "
            "tokens with no price (unknown model or missing price); cost not included, not $0"
        )
    return lines


def text_width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def text_clip(text: str, limit: int = 60) -> str:
    if text_width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def render_table(report: Report) -> str:
    """Aligned text for a terminal; keys stripped of control characters and clipped."""
    header = [*report.by, *MEASURES]
    body = [[text_clip(strip_controls(k)) for k in r.keys] + _display_cells(r) for r in report.rows]
    total = ["TOTAL"] + [""] * (len(report.by) - 1) + _display_cells(report.total)
    widths = [max(text_width(row[i]) for row in [header, *body, total]) for i in range(len(header))]
    n_keys = len(report.by)

    def line(cells: list[str]) -> str:
        parts = []
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (w - text_width(cell))
            parts.append(cell + pad if i < n_keys else pad + cell)
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [report.title, "", line(header), rule, *(line(r) for r in body), rule, line(total)]
    return "\n".join([*out, "", *_footer(report)]) + "\n"


_MD_BACKSLASH = set("\\`*_[]~|")
_MD_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def md_cell(text: str) -> str:
    text = strip_controls(text.replace("\n", " ").replace("\r", " ").replace("\t", " "))
    return "".join(
        _MD_ENTITIES.get(ch, "\\" + ch if ch in _MD_BACKSLASH else ch) for ch in text
    ).strip()


def render_md(report: Report) -> str:
    """A GitHub-flavoured markdown table; keys escaped so they cannot break out of their cell."""
    header = [*report.by, *MEASURES]
    align = ["---"] * len(report.by) + ["---:"] * len(MEASURES)
    rows = [[md_cell(k) or " " for k in r.keys] + _display_cells(r) for r in report.rows]
    total = ["**Total**"] + [""] * (len(report.by) - 1) + _display_cells(report.total)
    out = [f"**{md_cell(report.title)}**", ""]
    out += ["| " + " | ".join(cells) + " |" for cells in [header, align, *rows, total]]
    return "\n".join([*out, "", *(f"_{md_cell(line)}_" for line in _footer(report))]) + "\n"


def render_csv(report: Report) -> str:
    """Exact amounts (machine-readable), formula-neutralised keys; TOTAL is the last row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(
        [*report.by, "cost_usd", "list_cost_usd", "discount_usd", "share", "tokens", "requests",
         "unpriced_tokens", "unpriced_rows"]
    )  # fmt: skip
    for row in [*report.rows, report.total]:
        keys = [csv_safe(k) for k in row.keys] or ["TOTAL"] + [""] * (len(report.by) - 1)
        writer.writerow(
            [*keys, _exact(row.cost_usd) or "", _exact(row.list_cost_usd) or "",
             _exact(row.discount_usd) or "", _exact(row.share) or "", row.tokens, row.requests,
             row.unpriced_tokens, row.unpriced_rows]
        )  # fmt: skip
    return buf.getvalue()


def _json_row(row: ReportRow) -> dict[str, Any]:
    return {
        "cost_usd": _exact(row.cost_usd),
        "list_cost_usd": _exact(row.list_cost_usd),
        "discount_usd": _exact(row.discount_usd),
        "share": _exact(row.share),
        "tokens": row.tokens,
        "requests": row.requests,
        "unpriced_tokens": row.unpriced_tokens,
        "unpriced_rows": row.unpriced_rows,
    }


def render_json(report: Report) -> str:
    """Exact decimal strings (never floats); null cost = unpriced."""
    doc = {
        "period": {"start": report.start.isoformat(), "end": report.end.isoformat()},
        "by": list(report.by),
        "currency": "USD",
        "rows": [dict(zip(report.by, r.keys, strict=True)) | _json_row(r) for r in report.rows],
        "total": _json_row(report.total),
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    # Readable unicode, but invisible format characters (bidi overrides, zero-width) and the JS
    # line separators are escaped; they can only occur inside strings, so this stays valid JSON.
    return "".join(json_escape(ch) for ch in text) + "\n"


def json_escape(ch: str) -> str:
    if unicodedata.category(ch) == "Cf" or ch in "\u2028\u2029":
        return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else json.dumps(ch)[1:-1]
    return ch


RENDERERS: dict[str, Callable[[Report], str]] = {
    "table": render_table,
    "csv": render_csv,
    "md": render_md,
    "json": render_json,
}
"""Format name -> renderer. Adding a format is adding one function here."""


def renderer(renderers: Mapping[str, Callable[[_T], str]], fmt: str) -> Callable[[_T], str]:
    """The renderer of ``fmt``, or a usage error naming the formats there are."""
    try:
        return renderers[fmt]
    except KeyError:
        raise ConfigError(
            f"--format: unknown format {fmt!r}; choose from {', '.join(renderers)}"
        ) from None


def render(report: Report, fmt: str) -> str:
    return renderer(RENDERERS, fmt)(report)
