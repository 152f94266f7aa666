"""The one shape every stage has: ``run(ctx: StageContext) -> StageResult``.

A stage reads tables, writes its own tables in its own transaction and reports what it did in
numbers. Everything it may depend on is in the context, so the pipeline is a list of stages and
a stage can be run alone (tests, ``reconciler`` verbs) with exactly the same inputs. The run id
is required: every row a stage writes names the run that wrote it, and an ``"adhoc"`` default
would hide rows no ledger entry explains.

AWS clients come from one factory, ``ctx.aws(service, region)``, and progress goes to
``ctx.progress`` (``None``: nothing is drawn), so tests and verbs inject both the same way.
Options a stage has beyond the context (the files of ``ingest logs``, a CloudWatch time range)
are keyword arguments of its ``run`` with defaults from the settings, so ``run(ctx)`` alone is
what the nightly pipeline calls.

Each stage module also declares ``READS`` and ``WRITES``: the tables it reads and the tables it
writes. docs/architecture.md draws the pipeline from them (``cog``), and a test checks that every
table written exists after the migrations.

Stages that are not about a window of usage dates (ingesting a list of files, loading prices)
leave ``start``/``end`` as ``None``; :meth:`StageContext.window` raises for them so a stage that
needs a window cannot silently run over "everything".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

from reconciler.core import aws
from reconciler.core.errors import ConfigError
from reconciler.core.progress import NO_PROGRESS, ProgressSink
from reconciler.core.quarantine import Problems
from reconciler.db.runs import StageResult

if TYPE_CHECKING:
    from reconciler.core.config import Settings

__all__ = ["Stage", "StageContext", "StageResult"]


@dataclass(frozen=True)
class StageContext:
    """Connection, settings, window and run id: all a stage may read besides its tables."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    run_id: str
    start: date | None = None
    end: date | None = None
    problems: Problems = field(default_factory=Problems)
    progress: ProgressSink | None = None
    aws: aws.ClientFactory | None = None
    """Makes AWS clients; ``None``: :func:`reconciler.core.aws.client` (looked up when called)."""

    def __post_init__(self) -> None:
        if not self.run_id:
            raise ValueError("a stage needs a run id (reconciler.db.runs.new_run_id())")

    def window(self) -> tuple[date, date]:
        """The usage dates ``start``..``end`` (UTC, inclusive); a stage over a window calls this."""
        if self.start is None or self.end is None:
            raise ConfigError("this stage needs a window of usage dates: give --start and --end")
        if self.start > self.end:
            raise ConfigError(f"--start {self.start} is after --end {self.end}: give start <= end")
        return self.start, self.end

    def between(self) -> tuple[datetime, datetime]:
        """The window as UTC instants ``[start 00:00, end + 1 day 00:00)`` (naive, as stored)."""
        start, end = self.window()
        return datetime.combine(start, time()), datetime.combine(end + timedelta(days=1), time())

    def for_window(self, start: date, end: date) -> StageContext:
        return replace(self, start=start, end=end)

    def client(self, service: str, region: str | None = None) -> Any:
        """An AWS client of ``service`` in ``region`` from the context's factory."""
        factory = self.aws if self.aws is not None else aws.client
        return factory(service, region)

    @property
    def sink(self) -> ProgressSink:
        """Where progress goes (a no-op when nothing draws it)."""
        return self.progress if self.progress is not None else NO_PROGRESS


class Stage(Protocol):
    """A stage is any callable taking the context; modules expose it as ``run``."""

    def __call__(self, ctx: StageContext) -> StageResult: ...
