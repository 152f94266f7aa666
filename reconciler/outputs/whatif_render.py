"""Formats of a :class:`~reconciler.stages.whatif.Whatif`: table, md, csv, json and html.

csv and json carry every row (unchanged ones too, so a scenario's current cost sums to the spend
total) with exact decimal strings; table, md and html show per scenario its totals and its best
opportunities, in cents. Unpriced rows are labelled ``unpriced`` and stay out of every total.
Team, application and model names come from logs and rules files: CSV cells are
formula-neutralised, markdown and HTML escaped, table cells stripped of control characters.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from reconciler.core.errors import ConfigError
from reconciler.core.textsafe import csv_safe, strip_controls
from reconciler.stages.whatif import Whatif, WhatifRow, stored_rows

__all__ = [
    "CSV_COLUMNS",
    "WHATIF_RENDERERS",
    "render_whatif",
    "savings_section",
    "stored_savings_section",
]

CSV_COLUMNS = (
    "scenario", "direction", "team", "application", "base_model", "region", "from", "to",
    "quantity", "unit", "current_cost_usd", "whatif_cost_usd", "savings_usd", "priced",
    "unpriced_reason", "assumption", "detail", "rank", "command",
)  # fmt: skip

_CENT = Decimal("0.01")
_SAVING_DIRECTIONS = ("opportunity", "candidate", "alternative")
"""Directions whose positive savings the report's Savings section names (alternative: e.g.
priority usage at the flex price)."""
_TOP = 10


def _cents(value: Decimal | None) -> str:
    if value is None:
        return "unpriced"
    cents = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return f"{cents if cents else abs(cents):,}"  # no "-0.00" for a loss below half a cent


def _exact(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _cells(r: WhatifRow) -> dict[str, Any]:
    return {
        "scenario": r.scenario,
        "direction": r.direction,
        "team": r.team,
        "application": r.application,
        "base_model": r.base_model,
        "region": r.region,
        "from": r.from_,
        "to": r.to,
        "quantity": r.quantity,
        "unit": r.unit,
        "current_cost_usd": _exact(r.current_cost_usd),
        "whatif_cost_usd": _exact(r.whatif_cost_usd),
        "savings_usd": _exact(r.savings_usd),
        "priced": r.priced,
        "unpriced_reason": r.unpriced_reason,
        "assumption": r.assumption,
        "detail": r.detail,
        "rank": r.rank,
        "command": r.command,
    }


def render_csv(result: Whatif) -> str:
    """Every row, exact amounts; empty what-if cost and savings = unpriced (never 0)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in result.rows:
        cells = _cells(row)
        writer.writerow(
            [
                "" if v is None else csv_safe(v) if isinstance(v, str) else str(v).lower()
                if isinstance(v, bool) else str(v)
                for v in (cells[c] for c in CSV_COLUMNS)
            ]
        )  # fmt: skip
    return buf.getvalue()


def _totals(result: Whatif) -> list[dict[str, Any]]:
    out = []
    for scenario in result.options.scenarios:
        t = result.total(scenario)
        out.append(
            {
                "scenario": scenario,
                "current_cost_usd": _exact(t.current_cost_usd),
                "savings_usd": {d: _exact(v) for d, v in t.savings_usd.items()},
                "unpriced_rows": t.unpriced_rows,
                "unpriced_current_cost_usd": _exact(t.unpriced_current_cost_usd),
            }
        )
    return out


def _assumptions(result: Whatif) -> dict[str, Any]:
    o = result.options
    return {
        "batch_applications": list(o.batch_applications),
        "cache_hit_rate": format(o.cache_hit_rate, "f"),
        "cache_min_input_tokens": o.cache_min_input_tokens,
        "moves": [f"{a}={b}" for a, b in o.moves],
        "model_unit_tokens_per_minute": dict(sorted(o.model_unit_tokens_per_minute.items())),
    }


def render_json(result: Whatif) -> str:
    """Exact decimal strings (never floats); null what-if cost = unpriced."""
    doc = {
        "window": {"start": result.start.isoformat(), "end": result.end.isoformat()},
        "currency": "USD",
        "spend_total_usd": _exact(result.spend_total_usd),
        "assumptions": _assumptions(result),
        "totals": _totals(result),
        "rows": [_cells(r) for r in result.rows],
    }
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"


def _summary_line(result: Whatif, scenario: str) -> str:
    t = result.total(scenario)
    parts = [f"current {_cents(t.current_cost_usd)}"]
    parts += [f"{d} savings {_cents(v)}" for d, v in t.savings_usd.items() if v]
    if t.unpriced_rows:
        parts.append(
            f"{t.unpriced_rows} unpriced rows (current {_cents(t.unpriced_current_cost_usd)} "
            "not re-priced, left out of the savings)"
        )
    return "; ".join(parts)


def _display(r: WhatifRow) -> list[str]:
    return [
        r.direction + (f" #{r.rank}" if r.rank else ""),
        r.team,
        r.application,
        r.base_model,
        r.region,
        f"{r.from_} -> {r.to}",
        f"{r.quantity:,}",
        _cents(r.current_cost_usd),
        _cents(r.whatif_cost_usd),
        _cents(r.savings_usd),
    ]


_HEAD = ["direction", "team", "application", "model", "region", "change", "quantity", "current",
         "what-if", "savings"]  # fmt: skip
_NUMERIC = {6, 7, 8, 9}


def _notes(result: Whatif, scenario: str, shown: list[WhatifRow]) -> list[str]:
    notes = []
    for assumption in dict.fromkeys(r.assumption for r in shown):
        notes.append(f"assumes: {assumption}")
    for r in shown:
        if r.detail:
            notes.append(f"{r.team}/{r.application} {r.base_model}: {r.detail}")
    rows = result.scenario_rows(scenario)
    if rows:
        notes.append(f"reproduce: {rows[0].command}")
    if scenario == "model_switch" and not result.options.moves:
        notes.append("no --move given: nothing to re-price")
    return notes


def render_table(result: Whatif, top: int = _TOP) -> str:
    """Per scenario: its totals and its ``top`` rows that change something, best first."""
    out = [f"What-if re-rating of {result.start} to {result.end} (USD)", ""]
    out.append(f"spend total {_cents(result.spend_total_usd)} ({_exact(result.spend_total_usd)})")
    for scenario in result.options.scenarios:
        shown = result.top(scenario, top)
        out += ["", f"== {scenario}: {_summary_line(result, scenario)}"]
        if shown:
            body = [[strip_controls(c) for c in _display(r)] for r in shown]
            widths = [max(len(row[i]) for row in [_HEAD, *body]) for i in range(len(_HEAD))]
            for cells in [_HEAD, *body]:
                out.append(
                    "  ".join(
                        c.rjust(w) if i in _NUMERIC else c.ljust(w)
                        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
                    ).rstrip()
                )
        out += [f"  {strip_controls(n)}" for n in _notes(result, scenario, shown)]
    out += ["", "savings = current - what-if; unpriced = no price for the target (not $0)"]
    return "\n".join(out) + "\n"


_MD_ESCAPE = set("\\`*_[]~|<>&#")


def _md(text: str) -> str:
    text = strip_controls(text.replace("\n", " ").replace("\r", " "))
    return "".join("\\" + ch if ch in _MD_ESCAPE else ch for ch in text).strip() or " "


def render_md(result: Whatif, top: int = _TOP) -> str:
    out = [f"**What-if re-rating of {result.start} to {result.end} (USD)**", ""]
    out.append(f"Spend total: {_cents(result.spend_total_usd)}")
    for scenario in result.options.scenarios:
        shown = result.top(scenario, top)
        out += ["", f"### {scenario}", "", _md(_summary_line(result, scenario)), ""]
        if shown:
            out.append("| " + " | ".join(_HEAD) + " |")
            align = ("---:" if i in _NUMERIC else "---" for i in range(len(_HEAD)))
            out.append("| " + " | ".join(align) + " |")
            out += ["| " + " | ".join(_md(c) for c in _display(r)) + " |" for r in shown]
            out.append("")
        out += [f"- {_md(n)}" for n in _notes(result, scenario, shown)]
    return "\n".join(out) + "\n"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def savings_section(rows: Sequence[WhatifRow] | None, top: int = 3) -> str:
    """The report's "Savings" section: per team its ``top`` opportunities and candidates with a
    price, each with its amount, assumption and the command that reproduces it. ``rows`` None:
    no what-if was computed for the window (the section says how to compute one)."""
    if rows is None:
        return (
            '<section id="savings"><h2>Savings</h2><p class="nodata">No what-if was computed '
            "for this window: run <code>reconciler whatif</code> with its dates (the nightly "
            "<code>run</code> does).</p></section>"
        )
    best: dict[str, list[WhatifRow]] = {}
    for r in rows:
        if r.direction in _SAVING_DIRECTIONS and r.savings_usd and r.savings_usd > 0:
            best.setdefault(r.team, []).append(r)
    if not best:
        body = '<p class="nodata">No what-if saving with a price in this window.</p>'
    else:
        cells = []
        teams = sorted(best, key=lambda t: (-sum(r.savings_usd or 0 for r in best[t]), t))
        for team in teams:
            picks = sorted(best[team], key=lambda r: (-(r.savings_usd or 0), r.scenario))[:top]
            for r in picks:
                cells.append(
                    "<tr>"
                    f"<td>{_e(team)}</td><td>{_e(r.scenario)}</td><td>{_e(r.application)}</td>"
                    f"<td>{_e(r.base_model)}</td><td>{_e(r.from_)} &rarr; {_e(r.to)}</td>"
                    f'<td class="num">{_e(_cents(r.savings_usd))}</td>'
                    f"<td>{_e(r.assumption)}</td><td><code>{_e(r.command)}</code></td></tr>"
                )
        head = "".join(
            ('<th class="num">' if h == "savings (USD)" else "<th>") + f"{_e(h)}</th>"
            for h in ("team", "scenario", "application", "model", "change", "savings (USD)",
                      "assumption", "reproduce")
        )  # fmt: skip
        body = (
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(cells)}</tbody></table></div>"
        )
    note = (
        '<p class="note">Logged usage re-rated with the same price book (docs/whatif.md); '
        "candidates depend on what the logs cannot tell (can the calls wait for batch, do "
        "prompts repeat). Unpriced what-ifs are not shown.</p>"
    )
    return f'<section id="savings"><h2>Savings</h2>{body}{note}</section>'


def stored_savings_section(con: duckdb.DuckDBPyConnection, start: date, end: date) -> str:
    """The Savings section from the ``whatif`` view's rows for exactly this window, if any."""
    try:
        rows = stored_rows(con, start, end)
    except duckdb.CatalogException:  # a database from before the whatif view, opened read-only
        rows = []
    return savings_section(rows or None)


def render_html(result: Whatif, top: int = _TOP) -> str:
    """A self-contained page: the Savings section and each scenario's best rows."""
    title = f"Amazon Bedrock what-if, {result.start} to {result.end}"
    parts = [savings_section(result.rows)]
    for scenario in result.options.scenarios:
        shown = result.top(scenario, top)
        rows = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{_e(c)}</td>' if i in _NUMERIC else f"<td>{_e(c)}</td>"
                for i, c in enumerate(_display(r))
            )
            + "</tr>"
            for r in shown
        )
        head = "".join(f"<th>{_e(h)}</th>" for h in _HEAD)
        notes = "".join(f"<li>{_e(n)}</li>" for n in _notes(result, scenario, shown))
        parts.append(
            f'<section id="{_e(scenario)}"><h2>{_e(scenario)}</h2>'
            f"<p>{_e(_summary_line(result, scenario))}</p>"
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
            f'</table></div><ul class="note">{notes}</ul></section>'
        )
    css = (
        "body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:24px}"
        "table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #d0d7de;"
        "padding:3px 8px;text-align:left;vertical-align:top}td.num,th.num{text-align:right}"
        ".note,.nodata{color:#57606a}"
    )
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">'
        f"<title>{_e(title)}</title><style>{css}</style></head><body>"
        f"<h1>{_e(title)}</h1><main>{''.join(parts)}</main></body></html>\n"
    )


WHATIF_RENDERERS: dict[str, Callable[[Whatif], str]] = {
    "table": render_table,
    "csv": render_csv,
    "md": render_md,
    "json": render_json,
    "html": render_html,
}


def render_whatif(result: Whatif, fmt: str, top: int = _TOP) -> str:
    if fmt not in WHATIF_RENDERERS:
        raise ConfigError(f"--format: unknown {fmt!r}; choose from {', '.join(WHATIF_RENDERERS)}")
    if fmt in ("table", "md", "html"):
        return {"table": render_table, "md": render_md, "html": render_html}[fmt](result, top)
    return WHATIF_RENDERERS[fmt](result)
