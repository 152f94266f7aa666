"""One self-contained HTML file: spend per team over time, per model, the bill bridge, the gaps.

Why it looks the way it does:

* **No network, no JavaScript.** The file inlines its CSS and draws its charts as SVG generated
  here, so it opens from an e-mail attachment or an air-gapped share and nothing in it can
  execute. A Content-Security-Policy ``<meta>`` (``default-src 'none'``) is a second lock: even
  if an escaping bug let markup through, the browser would refuse to run scripts or fetch URLs.
* **Every string from the data is untrusted** (team names come from request metadata that any
  caller can set). All text, attribute values and SVG ``<title>`` tooltips go through
  :func:`html.escape` with ``quote=True``; markup is never built from data any other way.
* **Money is Decimal to the last step.** Amounts are rounded half-up to cents only for display.
  Where a table shows a total, the rows are rounded by largest remainder so that the cents shown
  add up to the total shown (the total itself is the exact sum, rounded), i.e. totals tie out.
  Chart geometry is computed with Decimal too and formatted as pixel strings.
* **Unpriced is not $0.** Usage without a price is counted and labelled, never drawn as zero.
* **It leads with what a team lead forwards**: the chargeback per team (what each team owes from
  the invoice, with the reason for every negative or surprising amount), then the trends, the bill
  bridge, the gaps (explanations visible without scrolling) and coverage. Sections are entries of
  :data:`SECTIONS`, so adding one (e.g. savings) is adding a function and a line there.
* **Amounts are formatted for their size**: cents from a cent up, two significant digits below a
  cent (a $0.0021 gap is not "0.00"), never ``-0.00``. Names are stripped of control and bidi
  characters and clipped (the full name, clipped at 200 characters, is the tooltip).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from reconciler.core.textsafe import strip_controls
from reconciler.outputs.chargeback import PARTS, PeriodTotal
from reconciler.outputs.report_data import (
    BridgeStep,
    Chargeback,
    Gap,
    ReportData,
    RuleCoverage,
    TeamDaySpend,
)
from reconciler.stages.allocate import largest_remainder

__all__ = ["SECTIONS", "render_html"]


CENT = Decimal("0.01")

# Colour-blind-friendly palette (Okabe-Ito, then Tableau); cycles for more teams.
_PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#4E79A7",
    "#B07AA1",
    "#9C755F",
    "#76B7B2",
    "#59A14F",
)

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f23;
 margin:0 auto;max-width:1280px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:16px 0 6px}
.meta{color:#57606a;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px;max-width:100%}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top;
 overflow-wrap:anywhere}
table.gap-table,table.chargeback-table{table-layout:fixed;width:100%}
.neg{color:#0a6b3d}.why{color:#3d444d;font-size:12px}
.kpis{display:flex;flex-wrap:wrap;gap:6px 24px;list-style:none;padding:0;margin:0 0 8px}
.kpis li{font-size:15px}.kpis b{font-variant-numeric:tabular-nums}
.contents{color:#57606a;font-size:13px;margin:0 0 8px}
td .clip{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
th{background:#f6f8fa}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:600;background:#f6f8fa}
.nodata{color:#57606a;font-style:italic}
.note{color:#57606a;font-size:12px}
.unpriced{color:#9a6700}.scroll{overflow-x:auto}
svg{display:block;max-width:100%;height:auto;margin:8px 0}
svg text{font:11px system-ui,sans-serif;fill:#1b1f23}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;padding:0;margin:4px 0 12px}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute (also inside SVG)."""
    return html.escape(str(value), quote=True)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value: Decimal | None) -> str:
    """Cents with thousands separators; '' for None (callers say why it is empty); never -0.00
    (``+ 0`` turns a negative zero into zero)."""
    return "" if value is None else f"{_cents(value) + 0:,.2f}"


_TINY = Decimal("0.0001")


def _amount(value: Decimal | None) -> str:
    """An amount formatted for its size, for cells that are not tied to a total: cents from a
    cent up; below a cent two significant digits (``-0.0021``), below $0.0001 ``< 0.0001``;
    exactly zero ``0.00``. Never ``-0.00`` and never exponent notation."""
    if value is None:
        return ""
    if value == 0 or abs(value) >= CENT:
        return _money(value)
    if abs(value) < _TINY:
        return "< 0.0001" if value > 0 else "> -0.0001"
    step = Decimal(1).scaleb(value.adjusted() - 1)
    return f"{value.quantize(step, rounding=ROUND_HALF_UP):f}"


NAME_LIMIT = 64
"""Characters of an untrusted name shown in a cell or legend (the rest is clipped with …)."""
_TITLE_LIMIT = 200


def _clean(value: object, limit: int) -> str:
    """Control and bidi characters stripped (a right-to-left override must not turn
    ``\u202egnp.exe`` into "exe.png"), clipped to ``limit`` characters with …; not escaped."""
    text = strip_controls(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(value: object, limit: int = NAME_LIMIT) -> str:
    """An untrusted name for HTML text: cleaned, clipped, escaped; when clipped, the full name
    (cleaned, at most 200 characters) is the tooltip."""
    text = strip_controls(str(value))
    if len(text) <= limit:
        return _e(text)
    full = _e(_clean(text, _TITLE_LIMIT))
    return f'<span class="clip" title="{full}">{_e(_clean(text, limit))}</span>'


def _qty(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int) or value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def _percent(value: Decimal | None, places: str = "0.01") -> str:
    if value is None:
        return ""
    return f"{value.quantize(Decimal(places), rounding=ROUND_HALF_UP)} %"


def _tie_optional(values: Sequence[Decimal | None]) -> dict[int, Decimal]:
    """largest_remainder over the known values; index -> cents (unknown ones are left out)."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    return dict(zip((i for i, _ in known), largest_remainder([v for _, v in known]), strict=True))


# ---------------------------------------------------------------------------------------------
# Tables


def _table(
    headers: Sequence[tuple[str, bool]],
    rows: Iterable[Sequence[str]],
    total: Sequence[str] | None = None,
    css_class: str = "",
    widths: Sequence[int] | None = None,
) -> str:
    """headers: (label, numeric). Cells arrive escaped. ``widths``: column widths in percent
    (with ``table-layout: fixed`` in the CSS, so wide text wraps instead of scrolling)."""
    head = "".join(
        f'<th class="num"{_w(widths, i)}>{_e(h)}</th>' if n else f"<th{_w(widths, i)}>{_e(h)}</th>"
        for i, (h, n) in enumerate(headers)
    )
    out = [f'<table class="{_e(css_class)}"><thead><tr>{head}</tr></thead><tbody>']
    for row in rows:
        cells = "".join(
            f'<td class="num">{c}</td>' if n else f"<td>{c}</td>"
            for c, (_, n) in zip(row, headers, strict=True)
        )
        out.append(f"<tr>{cells}</tr>")
    if total is not None:
        cells = "".join(
            f'<td class="num">{c}</td>' if n else f"<td>{c}</td>"
            for c, (_, n) in zip(total, headers, strict=True)
        )
        out.append(f'<tr class="total">{cells}</tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _w(widths: Sequence[int] | None, i: int) -> str:
    return f' style="width:{int(widths[i])}%"' if widths else ""


def _nodata(data: ReportData, key: str) -> str:
    why = data.unavailable.get(key)
    suffix = f" ({_e(why)})" if why else ""
    return f'<p class="nodata">No data for this period{suffix}.</p>'


def _unpriced_note(rows: int) -> str:
    if not rows:
        return ""
    return (
        f'<p class="note unpriced">{rows:,} rated row(s) have no price: their cost is unknown, '
        "not $0, and is left out of the amounts above.</p>"
    )


# ---------------------------------------------------------------------------------------------
# Charts (inline SVG; geometry in Decimal, formatted as pixel strings)


def _px(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _team_chart(data: ReportData, teams: Sequence[str]) -> str:
    """Stacked bars: one bar per day, one segment per team with a positive priced cost."""
    colour = {t: _PALETTE[i % len(_PALETTE)] for i, t in enumerate(teams)}
    days = _days(data.start, data.end)
    by_day: dict[date, list[TeamDaySpend]] = {d: [] for d in days}
    for r in data.team_daily:
        if r.day in by_day and r.cost_usd is not None and r.cost_usd > 0:
            by_day[r.day].append(r)
    day_totals = {
        d: sum((r.cost_usd or Decimal(0) for r in rs), Decimal(0)) for d, rs in by_day.items()
    }
    top = max(day_totals.values(), default=Decimal(0))
    width, height = Decimal(880), Decimal(300)
    left, right, top_pad, bottom = Decimal(70), Decimal(10), Decimal(10), Decimal(40)
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    slot = plot_w / len(days)
    bar_w = max(slot * Decimal("0.8"), Decimal(1))
    scale = plot_h / top if top > 0 else Decimal(0)
    parts = [
        f'<svg id="team-chart" class="chart" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        "<title>Rated spend per team and day (USD)</title>",
    ]
    for frac in (Decimal(0), Decimal("0.5"), Decimal(1)):
        y = top_pad + plot_h - plot_h * frac
        parts.append(
            f'<line x1="{_px(left)}" x2="{_px(width - right)}" y1="{_px(y)}" y2="{_px(y)}" '
            'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{_px(left - 6)}" y="{_px(y + 4)}" text-anchor="end">'
            f"{_e(_money(top * frac))}</text>"
        )
    label_every = max(1, len(days) // 15)
    order = {t: i for i, t in enumerate(teams)}
    for i, d in enumerate(days):
        x = left + slot * i + (slot - bar_w) / 2
        y = top_pad + plot_h
        for r in sorted(by_day[d], key=lambda r: order.get(r.team, len(order))):
            cost = r.cost_usd or Decimal(0)  # only positive costs are in by_day
            h = cost * scale
            y -= h
            parts.append(
                f'<rect class="seg" x="{_px(x)}" y="{_px(y)}" width="{_px(bar_w)}" '
                f'height="{_px(h)}" fill="{colour.get(r.team, "#888")}" '
                f'data-team="{_e(_clean(r.team, _TITLE_LIMIT))}">'
                f"<title>{_e(_clean(r.team, _TITLE_LIMIT))} · {_e(d.isoformat())} · "
                f"${_e(_amount(cost))}</title>"
                "</rect>"
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{_px(x + bar_w / 2)}" y="{_px(top_pad + plot_h + 16)}" '
                f'text-anchor="middle">{_e(d.strftime("%m-%d"))}</text>'
            )
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch" style="background:{colour[t]}"></span>{_name(t)}</li>'
        for t in teams
    )
    return "".join(parts) + f'<ul class="legend" id="team-legend">{legend}</ul>'


def _bridge_display(steps: Sequence[BridgeStep]) -> list[Decimal]:
    """Cents per step such that start + causes = end exactly as displayed."""
    starts = [s for s in steps if s.kind == "start"]
    ends = [s for s in steps if s.kind == "end"]
    causes = [i for i, s in enumerate(steps) if s.kind not in ("start", "end")]
    shown = [_cents(s.amount_usd) for s in steps]
    if len(starts) == 1 and len(ends) == 1 and causes:
        target = _cents(ends[0].amount_usd) - _cents(starts[0].amount_usd)
        tied = largest_remainder([steps[i].amount_usd for i in causes], target=target)
        for i, v in zip(causes, tied, strict=True):
            shown[i] = v
    return shown


def _clip(text: str, limit: int = 22) -> str:
    """Axis labels are short; the full text is in the step's tooltip and the table."""
    return _clean(text, limit)


def _waterfall(steps: Sequence[BridgeStep], shown: Sequence[Decimal], chart_id: str) -> str:
    """Waterfall: start and end bars from zero, each cause floating from the running total."""
    spans: list[tuple[Decimal, Decimal]] = []
    running = Decimal(0)
    for s in steps:
        if s.kind == "start":
            running = s.amount_usd
            spans.append((Decimal(0), running))
        elif s.kind == "end":
            spans.append((Decimal(0), s.amount_usd))
            running = s.amount_usd
        else:
            spans.append((running, running + s.amount_usd))
            running += s.amount_usd
    lo = min([Decimal(0), *(min(a, b) for a, b in spans)])
    hi = max([Decimal(0), *(max(a, b) for a, b in spans)])
    width, height = Decimal(880), Decimal(320)
    left, right, top_pad, bottom = Decimal(70), Decimal(10), Decimal(10), Decimal(90)
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    slot = plot_w / len(steps)
    bar_w = slot * Decimal("0.6")
    scale = plot_h / (hi - lo) if hi > lo else Decimal(0)

    def y_of(v: Decimal) -> Decimal:
        return top_pad + (hi - v) * scale

    parts = [
        f'<svg id="{_e(chart_id)}" class="chart waterfall" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        "<title>Bill bridge: rated total to invoiced total (USD)</title>",
        f'<line x1="{_px(left)}" x2="{_px(width - right)}" y1="{_px(y_of(Decimal(0)))}" '
        f'y2="{_px(y_of(Decimal(0)))}" stroke="#57606a" stroke-width="1"/>',
    ]
    for v in (hi, lo):
        if v != 0:
            parts.append(
                f'<text x="{_px(left - 6)}" y="{_px(y_of(v) + 4)}" text-anchor="end">'
                f"{_e(_money(v))}</text>"
            )
    for i, (s, (a, b), amount) in enumerate(zip(steps, spans, shown, strict=True)):
        x = left + slot * i + (slot - bar_w) / 2
        y_top, y_bot = y_of(max(a, b)), y_of(min(a, b))
        h = max(y_bot - y_top, Decimal(1))  # a zero step still shows as a hairline
        fill = (
            "#4E79A7"
            if s.kind in ("start", "end")
            else ("#D55E00" if s.amount_usd > 0 else "#009E73")
        )
        parts.append(
            f'<rect class="step" data-kind="{_e(s.kind)}" x="{_px(x)}" y="{_px(y_top)}" '
            f'width="{_px(bar_w)}" height="{_px(h)}" fill="{fill}">'
            f"<title>{_e(_clean(s.cause, _TITLE_LIMIT))}: ${_e(_money(amount))}</title></rect>"
        )
        if i + 1 < len(steps):
            parts.append(
                f'<line x1="{_px(x + bar_w)}" x2="{_px(x + slot)}" y1="{_px(y_of(b))}" '
                f'y2="{_px(y_of(b))}" stroke="#8c959f" stroke-dasharray="3 2"/>'
            )
        cx, cy = x + bar_w / 2, top_pad + plot_h + 12
        parts.append(
            f'<text x="{_px(cx)}" y="{_px(cy)}" text-anchor="end" '
            f'transform="rotate(-30 {_px(cx)} {_px(cy)})">{_e(_clip(s.cause))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Sections


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{_e(sid)}"><h2>{_e(title)}</h2>{body}</section>'


def _team_section(data: ReportData) -> str:
    rows = [r for r in data.team_daily if data.start <= r.day <= data.end]
    if not rows:
        return _section("team-spend", "Spend per team", _nodata(data, "team_spend"))
    totals: dict[str, Decimal] = {}
    unpriced: dict[str, int] = {}
    priced_any: dict[str, bool] = {}
    for r in rows:
        totals[r.team] = totals.get(r.team, Decimal(0)) + (r.cost_usd or Decimal(0))
        unpriced[r.team] = unpriced.get(r.team, 0) + r.unpriced_rows
        priced_any[r.team] = priced_any.get(r.team, False) or r.cost_usd is not None
    teams = sorted(totals, key=lambda t: (-totals[t], t))
    priced_teams = [t for t in teams if priced_any[t]]
    shown = largest_remainder([totals[t] for t in priced_teams])
    shown_by = dict(zip(priced_teams, shown, strict=True))
    table = _table(
        [("Team", False), ("Spend (USD)", True), ("Unpriced rows", True)],
        [
            (
                _name(t),
                _e(_money(shown_by[t]))
                if t in shown_by
                else '<span class="unpriced">unpriced</span>',
                _e(f"{unpriced[t]:,}"),
            )
            for t in teams
        ],
        total=("Total", _e(_money(sum(shown, Decimal(0)))), _e(f"{sum(unpriced.values()):,}")),
        css_class="team-table",
    )
    note = (
        '<p class="note">Rated cost: logged tokens times list prices (after negotiated '
        "discounts), per UTC day of the report period. What the teams owe is the chargeback "
        "above.</p>"
    )
    body = note + _team_chart(data, priced_teams) + table + _unpriced_note(sum(unpriced.values()))
    return _section("team-spend", "Rated spend per team", body)


def _model_section(data: ReportData) -> str:
    if not data.models:
        return _section("models", "Spend per model", _nodata(data, "models"))
    tied = _tie_optional([m.cost_usd for m in data.models])
    table = _table(
        [
            ("Model", False),
            ("Charge", False),
            ("Quantity", True),
            ("Unit", False),
            ("Spend (USD)", True),
        ],
        [
            (
                _name(m.base_model),
                _e(m.charge),
                _e(_qty(m.quantity)),
                _e(m.unit),
                _e(_money(tied[i])) if i in tied else '<span class="unpriced">unpriced</span>',
            )
            for i, m in enumerate(data.models)
        ],
        total=("Total", "", "", "", _e(_money(sum(tied.values(), Decimal(0))))),
        css_class="model-table",
    )
    unpriced = sum(m.unpriced_rows for m in data.models)
    return _section("models", "Spend per model", table + _unpriced_note(unpriced))


def _bridge_section(data: ReportData) -> str:
    if not data.bridge:
        return _section("bill-bridge", "Bill bridge", _nodata(data, "bridge"))
    periods = sorted({s.billing_period for s in data.bridge})
    body = [
        '<p class="note">From the rated total to the invoiced total, one step per cause; per '
        "billing period (whole months that overlap the report period).</p>"
    ]
    for p in periods:
        steps = sorted((s for s in data.bridge if s.billing_period == p), key=lambda s: s.step)
        shown = _bridge_display(steps)
        running = Decimal(0)
        table_rows = []
        for s, v in zip(steps, shown, strict=True):
            running = v if s.kind in ("start", "end") else running + v
            table_rows.append((_e(s.step), _name(s.cause), _e(_money(v)), _e(_money(running))))
        body.append(f"<h3>Billing period {_e(p.strftime('%Y-%m'))}</h3>")
        body.append(_waterfall(steps, shown, f"bridge-chart-{p.isoformat()}"))
        body.append(
            _table(
                [("Step", True), ("Cause", False), ("Amount (USD)", True), ("Running total", True)],
                table_rows,
                css_class="bridge-table",
            )
        )
    return _section("bill-bridge", "Bill bridge", "".join(body))


def _gap_section(data: ReportData) -> str:
    if not data.gaps:
        return _section("gaps", "Reconciliation gaps", _nodata(data, "gaps"))
    table = _table(
        [
            ("Day", False),
            ("Account / Region", False),
            ("Model / charge", False),
            ("Logged / invoiced qty", True),
            ("Rated (USD)", True),
            ("Invoiced (USD)", True),
            ("Delta (USD)", True),
            ("Cause", False),
            ("Explanation", False),
        ],
        [_gap_cells(g) for g in data.gaps],
        css_class="gap-table",
        widths=(8, 11, 15, 8, 6, 7, 6, 12, 27),
    )
    return _section("gaps", "Reconciliation gaps", table)


def _gap_cells(g: Gap) -> list[str]:
    return [
        _e(g.day.isoformat()),
        f"{_name(g.account_id or '')}<br>{_name(g.region or '')}",
        f"{_name(g.base_model or '')}<br>{_e(g.charge or '')}",
        f"{_e(_qty(g.logged_quantity))}<br>{_e(_qty(g.invoiced_quantity))}",
        _e(_amount(g.rated_cost_usd)) if g.rated_cost_usd is not None else "unpriced",
        _e(_amount(g.invoiced_cost_usd)),
        _e(_amount(g.delta_usd)),
        _e(g.cause or ""),
        _e(strip_controls(g.explanation or "")),
    ]


def _attribution_section(data: ReportData) -> str:
    title = "Attribution rule coverage"
    if not data.attribution:
        return _section("attribution", title, _nodata(data, "attribution"))
    tied = _tie_optional([r.cost_usd for r in data.attribution])
    table = _table(
        [("Rule", False), ("Requests", True), ("Rated cost (USD)", True), ("Share", True)],
        [
            (_name(r.rule), _e(f"{r.requests:,}"), _e(_money(tied.get(i))), _e(_percent(_share(r))))
            for i, r in enumerate(data.attribution)
        ],
        total=(
            "Total",
            _e(f"{sum(r.requests for r in data.attribution):,}"),
            _e(_money(sum(tied.values(), Decimal(0)))),
            "",
        ),
        css_class="attribution-table",
    )
    note = '<p class="note">Over all data in the database, not only this period.</p>'
    return _section("attribution", title, table + note)


def _share(r: RuleCoverage) -> Decimal | None:
    return None if r.share is None else r.share * 100


def _logging_section(data: ReportData) -> str:
    if not data.logging:
        return _section("logging", "Logging coverage", _nodata(data, "logging"))
    table = _table(
        [
            ("Account", False),
            ("Region", False),
            ("Model", False),
            ("Coverage", True),
            ("Missing hours", True),
        ],
        [
            (
                _name(c.account_id or ""),
                _name(c.region),
                _name(c.model_id),
                _e(_percent(c.coverage_pct)) if c.coverage_pct is not None else "no metric tokens",
                _e(f"{c.missing_hours:,}"),
            )
            for c in data.logging
        ],
        css_class="logging-table",
    )
    note = (
        '<p class="note">Logged tokens as a share of the CloudWatch AWS/Bedrock metric tokens; '
        "missing hours had metric usage and no logs at all.</p>"
    )
    return _section("logging", "Logging coverage", table + note)


def _chargeback_section(data: ReportData) -> str:
    title = "Chargeback per team"
    cb = data.chargeback
    if cb is None or not cb.periods:
        return _section("chargeback", title, _nodata(data, "chargeback"))
    body = [
        '<p class="note">What each team owes: the invoiced cost split to teams (view '
        "allocated_spend), per billing period. The invoice is monthly, so these are whole "
        "months, even for a shorter report period. Amounts are whole cents and add up to the "
        "invoice; every amount beyond plain usage says why.</p>"
    ]
    for p in cb.periods:
        body.append(_chargeback_period(cb, p))
    return _section("chargeback", title, "".join(body))


def _chargeback_period(cb: Chargeback, p: PeriodTotal) -> str:
    rows = [r for r in cb.rows if r.billing_period == p.billing_period]
    shown = [i for i in range(len(PARTS)) if i == 0 or any(r.parts[i] for r in rows)]
    if p.invoiced_usd is None:
        tie = "no invoiced total for this period"
    elif p.ties:
        tie = f"invoiced {_money(p.invoiced_usd)}, ties to the cent"
    else:
        tie = (
            f"invoiced {_money(p.invoiced_usd)}: DOES NOT TIE (allocated {_money(p.amount_usd)}; "
            "run reconciler run over the period again)"
        )
    headers = [
        ("Team", False),
        ("Owes (USD)", True),
        *((PARTS[i][1].capitalize(), True) for i in shown),
        ("Rated (USD)", True),
        ("Why", False),
    ]
    n_parts = len(shown)
    widths = [13, 9, *([9] * n_parts), 8]
    widths.append(100 - sum(widths))

    def owes(v: Decimal) -> str:
        cell = _e(_money(v))
        return f'<span class="neg">{cell}</span>' if v < 0 else cell

    table = _table(
        headers,
        [
            (
                _name(r.keys[0]),
                owes(r.amount_usd),
                *(_e(_money(r.parts[i])) if r.parts[i] else "" for i in shown),
                _e(_amount(r.rated_usd)),
                f'<span class="why">{_e(strip_controls(r.explanation))}</span>',
            )
            for r in rows
        ],
        total=(
            "Total",
            owes(p.amount_usd),
            *(_e(_money(p.parts[i])) for i in shown),
            _e(_amount(p.rated_usd)),
            "",
        ),
        css_class="chargeback-table",
        widths=widths,
    )
    heading = f"Billing period {_e(p.billing_period.strftime('%Y-%m'))}: {_e(tie)}"
    return f"<h3>{heading}</h3>{table}"


SECTIONS: list[tuple[str, str, Callable[[ReportData], str]]] = [
    ("chargeback", "Chargeback", _chargeback_section),
    ("team-spend", "Trends", _team_section),
    ("models", "Models", _model_section),
    ("bill-bridge", "Bill bridge", _bridge_section),
    ("gaps", "Gaps", _gap_section),
    ("attribution", "Attribution coverage", _attribution_section),
    ("logging", "Logging coverage", _logging_section),
]
"""The report's sections in order: (element id, short name for the contents line, renderer).
A new section (e.g. savings) is one function taking the ReportData and one entry here."""


def _headline(data: ReportData) -> str:
    """The few numbers a reader wants before any table."""
    facts: list[str] = []
    cb = data.chargeback
    if cb is not None:
        for p in cb.periods:
            month = _e(p.billing_period.strftime("%Y-%m"))
            facts.append(
                f"Invoiced {month}: <b>{_e(_money(p.invoiced_usd))}</b> USD"
                + ("" if p.ties else " (chargeback does not tie)")
            )
    rated = [r.cost_usd for r in data.team_daily if r.cost_usd is not None]
    if rated:
        facts.append(f"Rated in the period: <b>{_e(_amount(sum(rated, Decimal(0))))}</b> USD")
    if "gaps" not in data.unavailable:
        facts.append(f"Reconciliation gaps: <b>{len(data.gaps):,}</b>")
    if not facts:
        return ""
    return '<ul class="kpis">' + "".join(f"<li>{f}</li>" for f in facts) + "</ul>"


_EXTRA_HEADING = re.compile(r"<h2[^>]*>(.*?)</h2>", re.S)
"""An extra section's name for the contents line: its first heading."""


def render_html(data: ReportData, extra_sections: Sequence[str] = ()) -> str:
    """The whole report as one HTML document (UTF-8 text, no external resources, no script).

    ``extra_sections``: finished ``<section>`` markup of other modules (the what-if "Savings",
    reconciler/outputs/whatif_render.py), appended in order after :data:`SECTIONS`; they escape
    their
    own data."""
    period = f"{data.start.isoformat()} to {data.end.isoformat()}"
    title = f"Amazon Bedrock spend report, {period}"
    sections = [*(render(data) for _, _, render in SECTIONS), *extra_sections]
    names = [_e(name) for _, name, _ in SECTIONS]
    for markup in extra_sections:  # their heading, already escaped by the module that made it
        heading = _EXTRA_HEADING.search(markup)
        if heading:
            names.append(heading.group(1))
    contents = " · ".join(names)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{_e(title)}</h1>"
        f'<p class="meta">UTC days, inclusive. Generated by bedrock-reconciler.</p>'
        f"{_headline(data)}"
        f'<p class="contents">Sections: {contents}</p></header>'
        f"<main>{''.join(sections)}</main></body></html>\n"
    )
