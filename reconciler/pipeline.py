"""The nightly job: every stage in order over one window of usage dates, as one run.

``run_window`` is what ``reconciler run`` calls. Each stage reads DuckDB tables and replaces its
window in its own transaction, so a failed or killed run leaves every finished stage complete and
a re-run recomputes the same figures (idempotent). The :class:`~reconciler.runs.Run` around it
holds the writer lock and records the summary; its exit code is 1 when any stage reports findings.

Order: ingest the configured sources, resolve model ids, attribute, aggregate, rate, reconcile,
allocate. Only the stages that exist in this build are called (see ``STAGES``); configured sources
that this build cannot ingest are a configuration error rather than being silently skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb

from reconciler.allocate import allocate
from reconciler.config import Settings
from reconciler.errors import ConfigError
from reconciler.reconcile import reconcile
from reconciler.runs import Run, RunSummary, StageResult

__all__ = ["STAGES", "run_window"]

Stage = Callable[[duckdb.DuckDBPyConnection, Settings, date, date, str], StageResult]

STAGES: tuple[Stage, ...] = (reconcile, allocate)
"""The window stages, in order. Ingest, model-id resolution, attribution, aggregation and rating
are not in this build yet; they go before ``reconcile`` when they are merged."""


def run_window(run: Run, settings: Settings, start: date, end: date) -> RunSummary:
    """Run every stage for usage dates ``start``..``end`` (UTC, inclusive) inside ``run``."""
    if start > end:
        raise ConfigError(f"--start {start} is after --end {end}: give start <= end")
    sources = settings.sources
    if sources.logs or sources.cloudwatch or sources.invoices:
        where = settings.config_path or "settings"
        raise ConfigError(
            f"{where}: key 'sources': this build has no ingest stage to load configured sources;"
            " remove [sources] and load the data beforehand"
        )
    for stage in STAGES:
        run.add(stage(run.con, settings, start, end, run.run_id))
    return run.summary
