"""The files a nightly ``run`` leaves behind for people who do not read SQL.

For the window ``start..end`` it writes, into one directory, the spend report (CSV with exact
amounts and Markdown with cents, grouped as ``[reports] by`` says), the chargeback (what each
team owes per billing period from the invoice, CSV and Markdown, when the window's billing period
has an allocated invoice), the self-contained HTML report and the reconciliation gaps as CSV.
Names carry the window, so a re-run overwrites its own files
and never accumulates copies; files are written to a temporary name and renamed, so a reader
never sees half a report.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from reconciler.core.textsafe import csv_safe
from reconciler.db.runs import StageResult
from reconciler.outputs.chargeback import DIMENSIONS as CHARGEBACK_DIMS
from reconciler.outputs.chargeback import build_chargeback, has_invoice
from reconciler.outputs.chargeback import render as render_chargeback
from reconciler.outputs.html_report import build_report_data, render_html
from reconciler.outputs.report import build_report, render
from reconciler.outputs.whatif_render import stored_savings_section

__all__ = ["write_reports"]

_GAP_COLUMNS = (
    "usage_date",
    "account_id",
    "region",
    "base_model",
    "routing",
    "tier",
    "mode",
    "charge",
    "logged_quantity",
    "invoiced_quantity",
    "rated_cost_usd",
    "invoiced_cost_usd",
    "delta_usd",
    "cause",
    "explanation",
)


def write_reports(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    start: date,
    end: date,
    by: Sequence[str] = ("team", "application"),
) -> StageResult:
    """Write the window's report files into ``out_dir``; the file names are in ``counts``."""
    began = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{start.isoformat()}_{end.isoformat()}"
    spend = build_report(con, start, end, by)
    files = {
        f"spend-{stem}.csv": render(spend, "csv"),
        f"spend-{stem}.md": render(spend, "md"),
        f"report-{stem}.html": render_html(
            build_report_data(con, start, end), [stored_savings_section(con, start, end)]
        ),
        f"gaps-{stem}.csv": _gaps_csv(con, start, end),
    }
    if has_invoice(con, start, end):
        # what each team owes per billing period, tied to the invoice (report --basis invoice)
        chargeback = build_chargeback(
            con, start, end, [d for d in by if d in CHARGEBACK_DIMS] or ["team"]
        )
        files[f"chargeback-{stem}.csv"] = render_chargeback(chargeback, "csv")
        files[f"chargeback-{stem}.md"] = render_chargeback(chargeback, "md")
    for name, text in files.items():
        _write_atomically(out_dir / name, text)
    return StageResult(
        "reports",
        rows_out=len(files),
        counts={"files": len(files)},
        amounts={"dir": str(out_dir)},
        seconds=time.perf_counter() - began,
    )


def _gaps_csv(con: duckdb.DuckDBPyConnection, start: date, end: date) -> str:
    rows = con.execute(
        "SELECT " + ", ".join(_GAP_COLUMNS) + " FROM reconciliation "  # noqa: S608 (constants)
        "WHERE status = 'gap' AND usage_date BETWEEN $s AND $e "
        "ORDER BY abs(delta_usd) DESC, usage_date, account_id, region, base_model, charge",
        {"s": start, "e": end},
    ).fetchall()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_GAP_COLUMNS)
    for row in rows:
        writer.writerow(
            ["" if v is None else csv_safe(v) if isinstance(v, str) else _plain(v) for v in row]
        )
    return buf.getvalue()


def _plain(value: object) -> str:
    """Decimals in positional notation: a zero DECIMAL(38, 12) is ``0E-12`` to ``str``."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)
