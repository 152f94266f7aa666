"""The nightly job: every stage in order over one window of usage dates, as one run.

``run_window`` is what ``reconciler run`` (and ``reconciler demo``) call. Each stage reads DuckDB
tables and replaces its window in its own transaction, so a failed or killed run leaves every
finished stage complete and a re-run recomputes the same figures (idempotent). The
:class:`~reconciler.db.runs.Run` around it holds the writer lock and records the summary; its exit
code is 1 when any stage reports findings.

Order: ingest the configured sources (logs, CloudWatch, invoices), refresh the bundled price book
and the configured discounts, resolve model ids, attribute, aggregate, rate, check invoice units
against the prices, reconcile, allocate. Later stages read what earlier ones wrote, so the order is
the data flow, not a preference.

A run that processed nothing is a finding, not a silent 0: when the window holds no invocation
records or no invoice lines (from the configured sources or loaded earlier by separate ``ingest``
commands), the ``window_inputs`` result says which is missing and the run exits 1. A window that
starts after today (UTC) is a usage error: there is nothing it could ever have processed.

A nightly run with nothing new must be cheap (docs/performance.md): after the input stages, the
window's inputs are fingerprinted (about 20 ms for a day of a 10 M-record month); when the latest
window run was this window with the same fingerprint, its stage results (findings included, so
the exit code is the same) are reused instead of recomputing tables that would come out
identical.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from reconciler.core.clock import utc_now
from reconciler.core.config import Settings
from reconciler.core.errors import ConfigError
from reconciler.core.quarantine import Problems
from reconciler.db import sql
from reconciler.db.runs import Run, RunSummary, StageResult
from reconciler.db.stage import Stage, StageContext
from reconciler.ingest import (
    cloudwatch,
    cost_explorer,
    invoice_units,
    invoices,
    load,
    metrics,
    resolve,
)
from reconciler.pricebook import bundled, discounts
from reconciler.stages import aggregate, allocate, attribute, rate, reconcile

__all__ = [
    "INPUT_STAGES",
    "OTHER_STAGES",
    "SOURCE_STAGES",
    "STAGES",
    "WINDOW_STAGES",
    "check_window_inputs",
    "run_window",
    "stage_name",
    "stage_tables",
    "window_fingerprint",
]

logger = logging.getLogger(__name__)


SOURCE_STAGES: list[Stage] = [load.run, cloudwatch.run, invoices.run, cost_explorer.run]
"""Stages that load the configured ``[sources]`` (:func:`ingest_sources`), each only when its
source is configured; also the ``ingest`` verbs."""
INPUT_STAGES: list[Stage] = [bundled.run, discounts.run, resolve.run]
"""Stages that refresh inputs (prices, discounts, model ids) on every run: cheap when unchanged."""
WINDOW_STAGES: list[Stage] = [
    attribute.run,
    aggregate.run,
    rate.run,
    # The x1000 unit check compares billed cost with the price book, so it must follow any
    # price change; it is cheap and idempotent.
    invoice_units.run,
    reconcile.run,
    allocate.run,
]
"""Stages that derive the window's results; skipped when their inputs did not change."""
STAGES: list[Stage] = INPUT_STAGES + WINDOW_STAGES
"""The window stages, in data-flow order."""
OTHER_STAGES: list[Stage] = [metrics.run]
"""Stages with their own verb only (``ingest metrics``): not part of the nightly run."""


def stage_tables(stage: Stage) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(READS, WRITES) as the stage's module declares them."""
    module = sys.modules[stage.__module__]
    return tuple(module.READS), tuple(module.WRITES)


def stage_name(stage: Stage) -> str:
    """The stage's module below ``reconciler`` (``ingest.load``), its name in the docs."""
    return stage.__module__.removeprefix("reconciler.")


def ingest_sources(ctx: StageContext) -> list[StageResult]:
    """Load the sources named in ``[sources]``: already-loaded objects and pulled CloudWatch
    windows are skipped, so a nightly run with nothing new does almost no work. Each source
    gets its own problem list (its quarantine is counted in its own result)."""
    sources = ctx.settings.sources
    fresh = functools.partial(dataclasses.replace, ctx)
    results = []
    if sources.logs:
        results.append(load.run(fresh(problems=Problems())))
    for group in sources.cloudwatch:
        results.append(
            cloudwatch.run(
                fresh(problems=Problems()), log_group=group.log_group, region=group.region
            )
        )
    if sources.invoices:
        results.append(invoices.run(fresh(problems=Problems())))
    if sources.cost_explorer:
        results.append(cost_explorer.run(fresh(problems=Problems())))
    return results


def run_window(run: Run, settings: Settings, start: date, end: date) -> RunSummary:
    """Run every stage for usage dates ``start``..``end`` (UTC, inclusive) inside ``run``."""
    if start > end:
        raise ConfigError(f"--start {start} is after --end {end}: give start <= end")
    today = datetime.now(UTC).date()
    if start > today:
        raise ConfigError(
            f"the window {start}..{end} is in the future (today is {today} UTC): nothing can "
            "have been used or billed yet; give past dates (--date defaults to yesterday)"
        )
    ctx = StageContext(run.con, settings, run.run_id, start, end)
    for result in ingest_sources(ctx):
        run.add(result)
    for stage in INPUT_STAGES:
        run.add(stage(ctx))
    fingerprint = window_fingerprint(run.con, settings, start, end)
    reused = _unchanged_results(run.con, start, end, fingerprint)
    if reused is not None:
        logger.info("inputs of %s..%s unchanged since the last run: results reused", start, end)
        for result in reused:
            run.add(result)
        run.add(check_window_inputs(run.con, settings, start, end))
        return run.summary
    results = [run.add(stage(ctx)) for stage in WINDOW_STAGES]
    sql.execute(
        run.con,
        "ledger/window_run_insert",
        {
            "start": start,
            "end": end,
            "fingerprint": fingerprint,
            "stages": json.dumps([dataclasses.asdict(r) for r in results]),
            "run_id": run.run_id,
            "recorded_at": utc_now(),
        },
    )
    run.add(check_window_inputs(run.con, settings, start, end))
    return run.summary


def check_window_inputs(
    con: duckdb.DuckDBPyConnection, settings: Settings, start: date, end: date
) -> StageResult:
    """One finding per kind of input the window has none of (invocations, invoice lines), with
    a warning saying which and where it should have come from: a broken log delivery or a
    missing CUR must not stay green forever."""
    row = sql.execute(con, "stages/window_inputs", {"start": start, "end": end}).fetchone()
    invocations, invoice_lines = (int(row[0]), int(row[1])) if row else (0, 0)
    result = StageResult(
        "window_inputs",
        counts={"invocations": invocations, "invoice_lines": invoice_lines},
    )
    sources = settings.sources
    missing: list[tuple[str, bool, str]] = []
    if invocations == 0:
        how = "reconciler ingest logs / ingest cloudwatch, or [sources] logs"
        missing.append(("invocation records", bool(sources.logs or sources.cloudwatch), how))
    if invoice_lines == 0:
        how = "reconciler ingest invoice, or [sources] invoices"
        missing.append(("invoice lines", bool(sources.invoices or sources.cost_explorer), how))
    for what, configured, how in missing:
        result.findings += 1
        where = (
            "the configured sources delivered none for these dates: check their delivery"
            if configured
            else f"no source is configured for them and none were ingested: load them ({how})"
        )
        logger.warning("nothing processed: no %s for %s..%s; %s", what, start, end, where)
    return result


def window_fingerprint(
    con: duckdb.DuckDBPyConnection, settings: Settings, start: date, end: date
) -> str:
    """Everything the window stages depend on: their input rows (``window_fingerprint.sql``),
    the settings (attribution rules, tolerances, allocation) and the tool's code and SQL."""
    row = sql.execute(con, "stages/window_fingerprint", {"start": start, "end": end}).fetchone()
    code = hashlib.sha256(_code_version().encode())
    code.update(settings.model_dump_json(exclude={"sources", "config_path"}).encode())
    return f"{row[0] if row else ''}|{code.hexdigest()[:32]}"


@functools.cache
def _code_version() -> str:
    """A hash of the tool's own code and SQL: an upgrade recomputes every window once."""
    code = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]  # the whole reconciler package
    for path in sorted([*package.rglob("*.py"), *sql.queries_dir().rglob("*.sql")]):
        code.update(path.name.encode())
        code.update(path.read_bytes())
    return code.hexdigest()


def _unchanged_results(
    con: duckdb.DuckDBPyConnection, start: date, end: date, fingerprint: str
) -> list[StageResult] | None:
    """The stage results of the latest window run when it was this window with these inputs.

    Only the latest run of ANY window counts: another window's run rewrites shared derived
    rows (reconciliation is per billing period), so after one this window is recomputed."""
    row = sql.execute(con, "ledger/window_run_latest").fetchone()
    if row is None or (row[0], row[1], row[2]) != (start, end, fingerprint):
        return None
    return [StageResult(**(d | {"seconds": 0.0})) for d in json.loads(row[3])]
