"""The files a nightly ``run`` leaves behind for people who do not read SQL.

For the window ``start..end`` it writes, into one directory, the spend report (CSV with exact
amounts and Markdown with cents, grouped as ``[reports] by`` says), the chargeback (what each
team owes per billing period from the invoice, CSV and Markdown, when the window's billing period
has an allocated invoice), the self-contained HTML report and the reconciliation gaps as CSV.
Names carry the window, so a re-run overwrites its own files
and never accumulates copies; files are written to a temporary name and renamed, so a reader
never sees half a report.

A nightly run with nothing new keeps the files it finds: ``.reports-<window>.json`` beside them
records the database state they were written from (a token of the published file, given only
while the command has changed nothing), the settings and the report code, and each file's
digest; when all of these are the same the files are left as they are (writing them costs
seconds on a large database: attribution coverage reads every invocation).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import time
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from reconciler.core.textsafe import csv_safe
from reconciler.db.runs import StageResult
from reconciler.db.sql import execute, queries_dir

__all__ = ["write_reports"]


def write_reports(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    start: date,
    end: date,
    by: Sequence[str] = ("team", "application"),
    *,
    state: str | None = None,
) -> StageResult:
    """Write the window's report files into ``out_dir``; the file names are in ``counts``.

    ``state``: the database state the command started from while it has changed nothing
    (``Run.unchanged_state``); files last written from the same state, settings and code are
    kept as they are (``counts["reused"]``)."""
    began = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{start.isoformat()}_{end.isoformat()}"
    stamp = out_dir / f".reports-{stem}.json"
    key = _key(state, start, end, by) if state is not None else None
    kept = _kept_files(stamp, out_dir, key)
    if kept is not None:
        return StageResult(
            "reports",
            rows_out=len(kept),
            counts={"files": len(kept), "reused": len(kept)},
            amounts={"dir": str(out_dir)},
            seconds=time.perf_counter() - began,
        )
    stamp.unlink(missing_ok=True)
    # the renderers only when files are written: a nightly run with nothing new keeps its
    # files and does not import them (0.035 s, docs/performance.md)
    from reconciler.outputs.chargeback import DIMENSIONS as CHARGEBACK_DIMS
    from reconciler.outputs.chargeback import build_chargeback, has_invoice
    from reconciler.outputs.chargeback import render as render_chargeback
    from reconciler.outputs.html_report import render_html
    from reconciler.outputs.report import build_report, render
    from reconciler.outputs.report_data import build_report_data
    from reconciler.outputs.whatif_render import stored_savings_section

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
    if key is not None:
        digests = {name: _digest(text.encode("utf-8")) for name, text in files.items()}
        _write_atomically(stamp, json.dumps({"key": key, "files": digests}, sort_keys=True))
    return StageResult(
        "reports",
        rows_out=len(files),
        counts={"files": len(files)},
        amounts={"dir": str(out_dir)},
        seconds=time.perf_counter() - began,
    )


def _key(state: str, start: date, end: date, by: Sequence[str]) -> str:
    """What the files are a function of: the database content, the window, the grouping and
    the code that renders them."""
    text = json.dumps([state, start.isoformat(), end.isoformat(), list(by), _code_version()])
    return _digest(text.encode("utf-8"))


def _kept_files(stamp: Path, out_dir: Path, key: str | None) -> list[str] | None:
    """The files to keep as they are: all of the stamp's, when its key is ``key`` and every
    file still has the digest it was written with; else None (write them)."""
    if key is None:
        return None
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        if recorded.get("key") != key:
            return None
        files: dict[str, str] = recorded["files"]
        for name, digest in files.items():
            if _digest((out_dir / name).read_bytes()) != digest:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return sorted(files)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.cache
def _code_version() -> str:
    """The tool's code and SQL (views included: they are re-created by every writer): an
    upgrade rewrites the files once."""
    code = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]  # the whole reconciler package
    for path in sorted([*package.rglob("*.py"), *queries_dir().rglob("*.sql")]):
        code.update(path.name.encode())
        code.update(path.read_bytes())
    return code.hexdigest()


def _gaps_csv(con: duckdb.DuckDBPyConnection, start: date, end: date) -> str:
    cursor = execute(con, "report/gaps_csv", {"start": start, "end": end})
    rows = cursor.fetchall()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([d[0] for d in cursor.description or ()])
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
