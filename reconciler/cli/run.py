"""``reconciler run``: the nightly job over one window of usage dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import click

from reconciler.cli._common import Ctx, show_summary
from reconciler.pipeline import run_window
from reconciler.runs import Run

_DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.command("run")
@click.option(
    "--date",
    "day",
    type=_DAY,
    metavar="YYYY-MM-DD",
    help="One UTC day (YYYY-MM-DD). Default: yesterday.",
)
@click.option(
    "--start", type=_DAY, metavar="YYYY-MM-DD", help="First UTC day of the window (with --end)."
)
@click.option(
    "--end",
    type=_DAY,
    metavar="YYYY-MM-DD",
    help="Last UTC day of the window, inclusive (with --start).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout.")
@click.pass_obj
def run(
    ctx: Ctx,
    day: datetime | None,
    start: datetime | None,
    end: datetime | None,
    as_json: bool,
) -> int:
    """The nightly job: run the pipeline stages over a window of UTC days (inclusive).

    One writer at a time. Exit 0 when nothing is beyond tolerance, 1 with findings, 3 when
    another run holds the database.
    """
    first, last = _window(day, start, end)
    with Run(ctx.db, "run") as current:
        run_window(current, ctx.settings, first, last)
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
