"""The run ledger: every command that touches the database is a run with an id and a summary.

A :class:`Run` takes the writer lock (for writing commands), opens and migrates the database,
records a ``running`` row in ``run_log``, and on exit records how it ended, the exit code and the
summary. Rows left ``running`` by a killed process are marked ``abandoned`` by the next writer:
its uncommitted work was rolled back by DuckDB, and its committed work is complete per source
object, so nothing needs repair.

A writing run works on a private copy of the database and publishes it onto the ``--db`` path
when it ends (:mod:`reconciler.db.publish`), so readers always open the last completed state and
a killed run leaves the path as it was. A run that ended with an error publishes too: what its
stages committed is complete per stage and its ledger row says how it failed. A run that
committed nothing after its ledger row (DuckDB wrote no WAL and no checkpoint) publishes nothing,
so the nightly no-op stays cheap; its ledger row is published with the next change.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any

import duckdb

from reconciler.core.clock import utc_now
from reconciler.core.errors import ExitCode, ReconcilerError, exit_code_for
from reconciler.db import sql
from reconciler.db.connect import WriterLock, connect, writer_lock
from reconciler.db.migrate import migrate
from reconciler.db.publish import WorkingCopy, open_working_copy

__all__ = ["Run", "RunSummary", "StageResult", "new_run_id"]


def new_run_id() -> str:
    """Sortable and unique: UTC time plus random bits."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def plain_amount(value: str) -> str:
    """An amount as people write it: a zero DECIMAL(38, 12) sum prints as ``0E-12`` in Python;
    the summary shows ``0.000000000000`` instead (the same value, positional notation)."""
    if "E" not in value and "e" not in value:
        return value
    try:
        return format(Decimal(value), "f")
    except ArithmeticError:  # not a number (a path, a name): as it is
        return value


@dataclass
class StageResult:
    """What one stage did, in numbers (rows in/out, problems by reason, amounts as strings)."""

    stage: str
    rows_in: int = 0
    rows_out: int = 0
    problems_by_reason: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    amounts: dict[str, str] = field(default_factory=dict)
    findings: int = 0
    seconds: float = 0.0

    def asstr(self) -> str:
        parts = [f"{self.stage}: {self.rows_in} in, {self.rows_out} out"]
        parts += [f"{k} {v}" for k, v in self.counts.items()]
        parts += [f"{k} {plain_amount(v)}" for k, v in self.amounts.items()]
        if self.problems_by_reason:
            parts.append(
                "quarantined " + ", ".join(f"{k}={v}" for k, v in self.problems_by_reason.items())
            )
        if self.findings:
            parts.append(f"findings {self.findings}")
        parts.append(f"{self.seconds:.2f}s")
        return "; ".join(parts)


@dataclass
class RunSummary:
    run_id: str
    command: str
    stages: list[StageResult] = field(default_factory=list)
    exit_code: int = 0
    status: str = "running"

    @property
    def findings(self) -> int:
        return sum(s.findings + sum(s.problems_by_reason.values()) for s in self.stages)

    def asdict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "command": self.command,
            "status": self.status,
            "exit_code": self.exit_code,
            "findings": self.findings,
            "stages": [
                asdict(s) | {"amounts": {k: plain_amount(v) for k, v in s.amounts.items()}}
                for s in self.stages
            ],
        }

    def asstr(self) -> str:
        lines = [f"run {self.run_id} ({self.command}): {self.status}, exit {self.exit_code}"]
        lines += ["  " + s.asstr() for s in self.stages]
        return "\n".join(lines)


class Run:
    """Context manager around one command: lock, connection, ledger row, summary."""

    def __init__(self, db_path: str, command: str, *, write: bool = True) -> None:
        self.db_path = db_path
        self.command = command
        self.write = write
        self.run_id = new_run_id()
        self.summary = RunSummary(self.run_id, command)
        self._lock: WriterLock | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._copy: WorkingCopy | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        assert self._con is not None, "Run used outside its with-block"
        return self._con

    def __enter__(self) -> Run:
        if self.write:
            self._lock = writer_lock(self.db_path, self.run_id, self.command)
        try:
            path = self.db_path
            if self._lock is not None:  # a file, not :memory:
                self._copy = open_working_copy(self.db_path)
                path = str(self._copy.work)
            self._con = connect(path, read_only=not self.write)
            if self.write:
                migrate(self._con)
                sql.execute(self._con, "ledger/run_abandon")
                started = {"run_id": self.run_id, "command": self.command, "started_at": utc_now()}
                sql.execute(self._con, "ledger/run_start", started)
                if self._copy is not None:
                    self._con.execute("CHECKPOINT")
                    self._copy.mark()
        except BaseException:
            self._release()
            raise
        return self

    def add(self, stage: StageResult) -> StageResult:
        self.summary.stages.append(stage)
        return stage

    def unchanged_state(self) -> str | None:
        """A token for the published database this command started from, as long as the
        command has changed nothing (None once it has, or without a published file): files
        written from a state with the same token show that very content and can be kept
        (``run``'s report files on a nightly run with nothing new)."""
        if self._copy is None or self._copy.base is None or self._copy.changed_since_mark():
            return None
        return json.dumps(self._copy.base)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            code = ExitCode.FINDINGS if self.summary.findings else ExitCode.OK
            status = "findings" if code else "ok"
        else:
            code = exit_code_for(exc)
            status = "failed"
        self.summary.exit_code = int(code)
        self.summary.status = status
        recorded = changed = False
        try:
            if self.write and self._con is not None:
                changed = self._copy is None or self._copy.changed_since_mark()
                extra = {"error": str(exc)[:500]} if isinstance(exc, ReconcilerError) else {}
                finished = {
                    "finished_at": utc_now(),
                    "status": status,
                    "exit_code": int(code),
                    "summary": json.dumps(self.summary.asdict() | extra),
                    "run_id": self.run_id,
                }
                sql.execute(self._con, "ledger/run_finish", finished)
                self._con.execute("CHECKPOINT")
                recorded = True
        finally:
            self._release(publish=recorded, changed=changed)

    def _release(self, *, publish: bool = False, changed: bool = False) -> None:
        try:
            if self._con is not None:
                self._con.close()
                self._con = None
            if self._copy is not None and publish:
                if changed:
                    self._copy.publish()
                else:
                    self._copy.keep()
        finally:
            self._copy = None
            if self._lock is not None:
                self._lock.release()
                self._lock = None
