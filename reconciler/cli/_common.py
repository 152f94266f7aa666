"""Shared CLI plumbing: the context object and how a run summary is shown."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

import click

from reconciler.core.errors import file_system_error
from reconciler.core.logfmt import json_line
from reconciler.core.progress import Progress

if TYPE_CHECKING:
    from datetime import date

    from reconciler.core.config import Settings
    from reconciler.core.quarantine import Problems
    from reconciler.db.runs import Run, RunSummary
    from reconciler.db.stage import StageContext


DAY = click.DateTime(formats=["%Y-%m-%d"])
"""A UTC day on the command line (YYYY-MM-DD)."""

summary_json = click.option(
    "--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout."
)
"""``--json``: the run summary as JSON on stdout (every writing verb)."""


def data_window(f: Any) -> Any:
    """``--start``/``--end``: the UTC days a reading verb covers (report, whatif)."""
    f = click.option(
        "--end",
        type=DAY,
        help="Last UTC day (inclusive). Default: the last full UTC day present in the data.",
    )(f)
    return click.option(
        "--start", type=DAY, help="First UTC day (inclusive). Default: same as --end."
    )(f)


@dataclass
class Ctx:
    db: str
    config_path: str | None
    verbose: int
    quiet: bool
    debug: bool
    settings: Settings
    log_format: str = "text"
    """text | json: how stderr diagnostics and the run summary are written."""

    @classmethod
    def create(
        cls,
        db: str,
        config_path: str | None,
        verbose: int,
        quiet: bool,
        debug: bool,
        *,
        log_format: str = "text",
    ) -> Ctx:
        """Validate the settings before any verb does I/O (exit 2 on a bad file)."""
        from reconciler.core.config import load_settings  # pydantic: imported by a verb, not --help

        return cls(db, config_path, verbose, quiet, debug, load_settings(config_path), log_format)


def stage_context(
    ctx: Ctx,
    run: Run,
    *,
    problems: Problems | None = None,
    progress: Progress | None = None,
    window: tuple[date, date] | None = None,
) -> StageContext:
    """The context a verb runs its stage in: its run, the settings, and what the flags add."""
    from reconciler.core.quarantine import Problems
    from reconciler.db.stage import StageContext

    start, end = window if window is not None else (None, None)
    return StageContext(
        run.con,
        ctx.settings,
        run.run_id,
        start,
        end,
        problems=problems if problems is not None else Problems(),
        progress=progress,
    )


def show_summary(ctx: Ctx, summary: RunSummary, *, as_json: bool = False) -> int:
    """Print the run summary (stderr, or JSON on stdout) and return the exit code.

    With ``--log-format json`` the stderr copy is one JSON line (``event: run_summary``)."""
    if as_json:
        click.echo(json.dumps(summary.asdict(), indent=2))
    if ctx.quiet:
        return summary.exit_code
    if ctx.log_format == "json":
        level = "info" if summary.exit_code == 0 else "warning"
        click.echo(
            json_line("run_summary", level, summary.asstr().splitlines()[0], **summary.asdict()),
            err=True,
        )
    elif not as_json:
        click.echo(summary.asstr(), err=True)
        for hint in _finding_hints(ctx, summary):
            click.echo(hint, err=True)
    return summary.exit_code


def _finding_hints(ctx: Ctx, summary: RunSummary) -> list[str]:
    """One line per finding whose count alone does not say where to look."""
    conflicts = sum(s.counts.get("conflicts", 0) for s in summary.stages)
    if not conflicts:
        return []
    # a command line printed for the user to run, never executed here
    query = f"SELECT * FROM duplicate_conflicts WHERE run_id = '{summary.run_id}'"  # noqa: S608
    return [
        f"reconciler: {conflicts} duplicate conflict(s): copies of one request with different "
        "token counts (the first copy is kept); they are in the table duplicate_conflicts: "
        f'duckdb -readonly {ctx.db} "{query}"'
    ]


def _stderr() -> TextIO:
    """The stream progress is drawn on (a seam for tests: click's runner swaps sys.stderr)."""
    return sys.stderr


@contextmanager
def cli_progress(ctx: Ctx, label: str, unit: str) -> Iterator[Progress | None]:
    """A :class:`Progress` for a long verb when stderr is a TTY, else None (the library then
    reports nothing); also None with ``--quiet`` and with ``--log-format json``, whose stderr
    must stay one JSON object per line. The line is ended before the summary is shown."""
    progress = Progress(None, label, unit=unit, stream=_stderr())
    if ctx.quiet or ctx.log_format == "json" or not progress.enabled:
        yield None
        return
    try:
        yield progress
    finally:
        progress.close()


@contextmanager
def writing_to(path: str | None, doing: str = "cannot write") -> Iterator[None]:
    """Name ``path`` in an OS failure raised inside: a full disk fails a write without naming
    its file, and the one line on stderr must say which path to free or fix (exit 2/3)."""
    try:
        yield
    except OSError as exc:
        known = file_system_error(exc, exc.filename or path, doing=doing)
        if known is None:
            raise
        raise known from exc
