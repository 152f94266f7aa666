"""``reconciler run``: the nightly job over one window of usage dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from reconciler.cli._common import DAY, Ctx, show_summary, summary_json, writing_to


@click.command("run")
@click.option(
    "--date",
    "day",
    type=DAY,
    metavar="YYYY-MM-DD",
    help="One UTC day (YYYY-MM-DD). Default: yesterday.",
)
@click.option(
    "--start", type=DAY, metavar="YYYY-MM-DD", help="First UTC day of the window (with --end)."
)
@click.option(
    "--end",
    type=DAY,
    metavar="YYYY-MM-DD",
    help="Last UTC day of the window, inclusive (with --start).",
)
@click.option(
    "--reports-dir",
    type=click.Path(file_okay=False),
    help="Write the window's report files here (default: [reports] dir, 'reports').",
)
@click.option("--no-reports", is_flag=True, help="Write no report files.")
@summary_json
@click.pass_obj
def run(
    ctx: Ctx,
    day: datetime | None,
    start: datetime | None,
    end: datetime | None,
    reports_dir: str | None,
    no_reports: bool,
    as_json: bool,
) -> int:
    """The nightly job: ingest [sources], then price, resolve, attribute, aggregate, rate,
    reconcile and allocate a window of UTC days (inclusive), and write the report files.

    \b
    Report files (in --reports-dir, default ./reports): spend-<window>.csv/.md,
    chargeback-<window>.csv/.md (when the window has an invoice), report-<window>.html,
    gaps-<window>.csv; a re-run overwrites them (one with nothing new keeps them).
    One writer at a time. Exit 0 when nothing is beyond tolerance, 1 with findings (gaps,
    unpriced usage, quarantined records, a window with no invocations or no invoice lines), 2 on
    a config error, a window in the future or a path that is missing, not writable or full, 3
    when another run holds the database or a source is unreachable (docs/exit-codes.md).
    """
    from reconciler.db.runs import Run
    from reconciler.outputs.run_files import write_reports
    from reconciler.stages.pipeline import run_window
    from reconciler.stages.whatif import refresh_whatif

    first, last = _window(day, start, end)
    with Run(ctx.db, "run") as current:
        run_window(current, ctx.settings, first, last)
        current.add(refresh_whatif(current.con, ctx.settings.whatif, first, last, current.run_id))
        out = None if no_reports else (reports_dir or ctx.settings.reports.dir or None)
        if out:
            with writing_to(out, "cannot write reports to"):
                reports = write_reports(
                    current.con,
                    Path(out),
                    first,
                    last,
                    ctx.settings.reports.by,
                    state=current.unchanged_state(),
                )
            current.add(reports)
    return show_summary(ctx, current.summary, as_json=as_json)


def _window(
    day: datetime | None, start: datetime | None, end: datetime | None
) -> tuple[date, date]:
    if day is not None and (start is not None or end is not None):
        raise click.UsageError("give either --date or --start/--end, not both")
    if (start is None) != (end is None):
        raise click.UsageError("--start and --end go together")
    if start is not None and end is not None:
        if start > end:
            raise click.UsageError(f"--start {start:%Y-%m-%d} is after --end {end:%Y-%m-%d}")
        return start.date(), end.date()
    if day is not None:
        return day.date(), day.date()
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    return yesterday, yesterday
