"""The end-to-end demo: the whole pipeline on a generated month or the small fixtures, offline.

``run_demo`` is what ``reconciler demo`` (and ``make demo``) call. By default it generates a month
of a small company (:mod:`reconciler.demo.month`: logs and a matching CUR 2.0 export, written to
``<out_dir>/data``), runs the pipeline over November 2025 with ``fixtures/demo-month.toml`` and
prints the per-team chargeback-sized report, the reconciliation gaps summarised per cause and the
bill bridge. With ``small=True`` (``reconciler demo --small``) it runs on the two-day fixtures
the tests check by hand instead, as follows. It loads ``fixtures/demo.toml``
(sources, tolerances, attribution rules, allocation policy, and a model map that resolves the
fixtures' application-inference-profile and provisioned ARNs without AWS), loads the recorded
CloudWatch metrics (``fixtures/metrics/``, replayed offline), runs
:func:`~reconciler.stages.pipeline.run_window` for 2025-11-03..2025-11-04, then renders what a user
looks at: the per-team spend report, the reconciliation gaps (one line each), the bill bridge per
billing period, and writes the HTML report and the FOCUS 1.2 export.

Nothing here calls AWS: every source is a local path, ``cost_explorer`` is off, metrics come from
a recording and every model id the resolver would look up is in the model map. Re-running on the
same database changes nothing: already-loaded objects are skipped, metric windows replace
themselves and every stage replaces its window. The fixtures hold deliberate findings
(quarantined records, unpriced usage, a gap of every cause), so the run's status is ``findings``;
the demo still counts that as success (see :func:`demo_exit_code`), unlike ``reconciler run``.
"""

from __future__ import annotations

import contextlib
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import duckdb

from reconciler.core.config import Settings, load_settings
from reconciler.core.errors import ExitCode
from reconciler.db import connect, sql
from reconciler.db.runs import Run, RunSummary, StageResult
from reconciler.db.stage import StageContext
from reconciler.demo.month import MONTH_END, MONTH_START, write_month
from reconciler.ingest import metrics
from reconciler.ingest.metrics_replay import RecordedCloudWatch, load_recording
from reconciler.outputs.chargeback import build_chargeback
from reconciler.outputs.chargeback import render_table as render_chargeback
from reconciler.outputs.export_focus import export_focus
from reconciler.outputs.html_report import render_html
from reconciler.outputs.report import build_report, render_table
from reconciler.outputs.report_data import build_report_data
from reconciler.stages.pipeline import run_window

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

__all__ = [
    "DEMO_END",
    "DEMO_START",
    "DemoOutput",
    "demo_exit_code",
    "demo_settings",
    "fixtures_dir",
    "render_bridge",
    "render_gaps",
    "run_demo",
    "traps_message",
]

DEMO_START = date(2025, 11, 3)
DEMO_END = date(2025, 11, 4)
"""The window of usage dates the fixtures cover (UTC, inclusive)."""

DEMO_PAYER = "111122223333"
"""bill_payer_account_id of the fixture invoice: the FOCUS BillingAccountId, which export_focus
reads from the invoice lines (they name two usage accounts, one payer)."""

HTML_NAME = "report.html"
FOCUS_NAME = "focus-2025-11.csv"


@cache
def fixtures_dir() -> Path:
    """Where the bundled ``fixtures/`` are, for a source checkout or an installed wheel."""
    here = Path(__file__).resolve().parents[1]  # .../reconciler
    for candidate in (here.parent / "fixtures", here / "fixtures"):
        if (candidate / "demo.toml").is_file():
            return candidate
    raise FileNotFoundError(f"fixtures/demo.toml not found next to {here}")  # packaging bug


def demo_settings(fixtures: Path | None = None) -> Settings:
    """``fixtures/demo.toml`` with its source paths made absolute (relative to the file), so the
    demo works from any working directory; ``model_map`` is already resolved that way."""
    root = fixtures or fixtures_dir()
    settings = load_settings(str(root / "demo.toml"), required=True)
    sources = settings.sources.model_copy(
        update={
            "logs": [str(root / p) for p in settings.sources.logs],
            "invoices": [str(root / p) for p in settings.sources.invoices],
        }
    )
    return settings.model_copy(update={"sources": sources})


def month_settings(data: Path, fixtures: Path | None = None) -> Settings:
    """``fixtures/demo-month.toml`` with ``[sources]`` set to the generated month under ``data``."""
    root = fixtures or fixtures_dir()
    settings = load_settings(str(root / "demo-month.toml"), required=True)
    sources = settings.sources.model_copy(
        update={
            "logs": [str(data / "logs")],
            "invoices": [str(data / "invoices")],
            "workers": 1,
        }
    )
    return settings.model_copy(update={"sources": sources})


@dataclass(frozen=True)
class DemoOutput:
    """What the demo produced: the run summary, the text for stdout and the files written."""

    summary: RunSummary
    text: str
    html_path: Path
    focus_path: Path
    start: date = DEMO_START
    end: date = DEMO_END


def run_demo(
    db_path: str, out_dir: Path, *, fixtures: Path | None = None, small: bool = False
) -> DemoOutput:
    """Run the whole pipeline into ``db_path`` on a generated month (default; its data goes to
    ``out_dir/data``) or on the small fixtures (``small``); write HTML and FOCUS to ``out_dir``.
    Returns the rendered text (report, gaps, bridge) for stdout."""
    root = fixtures or fixtures_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    if small:
        start, end = DEMO_START, DEMO_END
        with Run(db_path, "demo") as run:
            for recording in sorted((root / "metrics").glob("*.json")):
                run.add(_replay_metrics(run, recording))
            run_window(run, demo_settings(root), start, end)
    else:
        start, end = MONTH_START, MONTH_END
        data = out_dir / "data"
        write_month(data)
        with Run(db_path, "demo") as run:
            run_window(run, month_settings(data, root), start, end)
    html_path, focus_path = out_dir / HTML_NAME, out_dir / FOCUS_NAME
    with contextlib.closing(connect(db_path, read_only=True)) as con:
        report = render_table(build_report(con, start, end, ["team"]))
        if small:
            parts = [report, render_gaps(con, start, end)]
        else:  # what each team owes first, then the rated view it comes from
            owed = render_chargeback(build_chargeback(con, start, end, ["team"]))
            parts = [owed, report, render_gap_causes(con, start, end)]
        text = "\n".join([*parts, render_bridge(con, start, end)])
        html = render_html(build_report_data(con, start, end))
        export_focus(con, start, end, out=focus_path, fmt="csv")
    html_path.write_text(html, encoding="utf-8")
    return DemoOutput(run.summary, text, html_path, focus_path, start, end)


def _replay_metrics(run: Run, path: Path) -> StageResult:
    """``ingest metrics`` fed by a recorded GetMetricData answer (fixtures/metrics/), so the
    logging-coverage section has data without calling CloudWatch."""
    rec = load_recording(path)
    client = cast("CloudWatchClient", RecordedCloudWatch(rec))
    ctx = StageContext(run.con, Settings(), run.run_id, aws=lambda service, region=None: client)
    return metrics.run(
        ctx,
        since=rec.start,
        until=rec.end,
        regions=[rec.region],
        model_ids=rec.model_ids,
        account_id=rec.account_id,
    )


def demo_exit_code(summary: RunSummary) -> int:
    """0 when every stage completed, findings or not (the fixtures are full of deliberate
    findings); otherwise the run's own code (3 locked, 70 bug ...)."""
    return int(ExitCode.OK) if summary.status in ("ok", "findings") else summary.exit_code


_TRAP_CAUSES = (
    ("unpriced_usage", "unpriced"),
    ("unlogged_usage", "unlogged"),
    ("unbilled_usage", "unbilled"),
    ("price_mismatch", "price-mismatch"),
    ("unmapped_usage_type", "unmapped-usage-type"),
    ("non_token_charge", "non-token-charge"),
)
"""Reconciliation causes the demo data plants on purpose, with their short names."""


def traps_message(summary: RunSummary, *, small: bool) -> str:
    """Why the demo exits 0 although its run has findings: the findings are the data's planted
    traps, counted from the run itself (so the sentence stays true when the data changes)."""
    quarantined = sum(sum(s.problems_by_reason.values()) for s in summary.stages)
    conflicts = sum(
        s.counts.get("conflicts", 0) for s in summary.stages if s.stage.startswith("ingest")
    )
    causes = {}
    for s in summary.stages:
        if s.stage == "reconcile":
            causes = s.counts
    parts = []
    if quarantined:
        parts.append(f"{quarantined} quarantined record{'s' if quarantined != 1 else ''}")
    if conflicts:
        parts.append(f"{conflicts} duplicate conflict{'s' if conflicts != 1 else ''}")
    buckets = [f"{causes[c]} {name}" for c, name in _TRAP_CAUSES if causes.get(c)]
    if buckets:
        parts.append(", ".join(buckets) + " buckets")
    data = "the two-day fixtures'" if small else "the demo month's"
    planted = "; ".join(parts) if parts else "see docs/demo.md"
    return (
        f"demo: exit 0: the findings above are {data} planted traps ({planted}; docs/demo.md) "
        f"(`reconciler run` would exit {summary.exit_code})"
    )


def _differences(
    con: duckdb.DuckDBPyConnection, start: date, end: date
) -> tuple[list[tuple[Any, ...]], int]:
    """The buckets that differ from the invoice (``report/demo_gaps``) and how many match it
    exactly (``report/exact_matches``)."""
    window = {"start": start, "end": end}
    rows = sql.execute(con, "report/demo_gaps", window).fetchall()
    exact = sql.execute(con, "report/exact_matches", window).fetchone()
    return rows, int(exact[0]) if exact else 0


def render_gaps(con: duckdb.DuckDBPyConnection, start: date, end: date) -> str:
    """Every reconciliation bucket that is not an exact match, one line each: day, account,
    region, model (or usage type / line type), routing, charge, delta, status, cause and the
    one-line explanation.
    Within-tolerance differences (rounding, a x1000 unit misread whose dollars agree) are listed
    too, marked ``matched``; exact matches are only counted."""
    rows, exact = _differences(con, start, end)
    cells = [
        [
            str(d),
            _plain(acct),
            _plain(region),
            _plain(what, 44),
            _plain(routing),
            _plain(charge),
            _signed(delta),
            status,
            cause,
            _plain(explanation, 200),
        ]
        for d, acct, region, what, routing, charge, delta, status, cause, explanation in rows
    ]
    header = [
        "day",
        "account",
        "region",
        "model",
        "routing",
        "charge",
        "delta_usd",
        "status",
        "cause",
    ]
    title = (
        f"Reconciliation, {start} to {end}: {len(rows)} bucket(s) differ from the invoice, "
        f"{exact} match exactly"
    )
    return _aligned(title, header, cells, right={6})


def render_gap_causes(con: duckdb.DuckDBPyConnection, start: date, end: date) -> str:
    """The buckets that differ from the invoice, one line per status and cause: how many, their
    net delta, and the explanation of the largest one (a month has too many for a line each)."""
    rows, exact = _differences(con, start, end)
    groups: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        groups.setdefault((row[7], row[8]), []).append(row)
    cells = []
    for (status, cause), members in sorted(
        groups.items(), key=lambda kv: -abs(sum((Decimal(r[6] or 0) for r in kv[1]), Decimal(0)))
    ):
        net = sum((Decimal(r[6] or 0) for r in members), Decimal(0))
        biggest = max(members, key=lambda r: abs(Decimal(r[6] or 0)))
        cells.append(
            [
                _plain(cause),
                status,
                str(len(members)),
                _money(net),
                f"{biggest[0]} {_plain(biggest[3], 44)}: {_plain(biggest[9], 160)}",
            ]
        )
    header = ["cause", "status", "buckets", "delta_usd"]
    title = (
        f"Reconciliation, {start} to {end}: {len(rows)} bucket(s) differ from the invoice, "
        f"{exact} match exactly (largest of each cause explained)"
    )
    return _aligned(title, header, cells, right={2, 3})


def _money(value: Decimal) -> str:
    """Signed, to the cent for a summary line; never ``-0.00``."""
    cents = value.quantize(Decimal("0.01"))
    if cents == 0:
        return "0.00" if value == 0 else ("+<0.01" if value > 0 else "-<0.01")
    return f"{cents:+,.2f}"


def render_bridge(con: duckdb.DuckDBPyConnection, start: date, end: date) -> str:
    """The bill bridge of each billing period the window touches: rated total, one step per
    cause, invoiced total (exact amounts; the steps sum to the invoiced total)."""
    rows = sql.execute(con, "report/demo_bridge", {"start": start, "end": end}).fetchall()
    cells = [
        [f"{period:%Y-%m}", name, _signed(amount, sign=False), _signed(running, sign=False), str(n)]
        for period, name, amount, running, n in rows
    ]
    header = ["period", "step", "amount_usd", "running_usd", "buckets"]
    return _aligned("Bill bridge: rated total to invoiced total", header, cells, right={2, 3, 4})


def _aligned(title: str, header: list[str], rows: list[list[str]], right: set[int]) -> str:
    """Columns padded to width; a last cell beyond the header (the explanation) trails."""
    n = len(header)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(n)]

    def line(cells: list[str]) -> str:
        parts = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells[:n], widths, strict=True))
        ]
        return "  ".join(parts + cells[n:]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([title, "", line(header), rule, *(line(r) for r in rows)]) + "\n"


def _signed(value: Any, *, sign: bool = True) -> str:
    """An exact decimal without trailing zeros (``+0.00036``); never rounded for display, so the
    printed bridge steps add up to the printed total."""
    if value is None:
        return "-"
    d = Decimal(value)
    text = f"{d.normalize():f}" if d != 0 else "0"
    if "." not in text and d != 0:
        text += ".00"
    return ("+" + text) if sign and d > 0 else text


def _plain(value: Any, limit: int = 60) -> str:
    """Untrusted text for a terminal: control, format and bidi characters dropped, clipped."""
    text = "".join(ch for ch in str(value) if unicodedata.category(ch) not in ("Cc", "Cf"))
    return text if len(text) <= limit else text[: limit - 1] + "…"
