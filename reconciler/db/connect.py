"""Opening the database: one writer at a time, readers read-only.

A writing command takes an exclusive ``flock`` on ``<db>.lock`` before it opens DuckDB and writes
who it is (run id, command, pid, start) into that file. The kernel drops a ``flock`` when its
process dies, so a lock left by a killed run is recovered by the next run without any clean-up
step; the stale text in the file is simply overwritten. A second writer gets
:class:`~reconciler.core.errors.DatabaseLocked` naming the holder (exit code 3).

DuckDB also refuses a second read-write process on the same file; that error (for example when a
user holds the file open in the ``duckdb`` shell) is mapped to the same exception. Read-only
connections can run alongside each other, but DuckDB does not let them open a file that a writer
process has open, so writing commands never open the published ``--db`` file for writing: they
work on a private copy and publish it atomically (:mod:`reconciler.db.publish`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import duckdb

from reconciler.core.errors import (
    DatabaseError,
    DatabaseLocked,
    FileSystemError,
    classify,
    file_system_error,
)

__all__ = ["WriterLock", "connect", "transaction", "writer_lock"]


@dataclass
class WriterLock:
    path: Path
    handle: IO[str]

    def release(self) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(self.handle, fcntl.LOCK_UN)
        with contextlib.suppress(OSError):  # a full disk fails the flush of what close() writes
            self.handle.close()


def writer_lock(db_path: str, run_id: str, command: str) -> WriterLock | None:
    """Take the single-writer lock for ``db_path`` (None for in-memory databases)."""
    if db_path == ":memory:":
        return None
    _check_directory(db_path)
    lock_path = Path(f"{db_path}.lock")
    try:
        handle = lock_path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise _environment(exc, str(lock_path)) from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        raise DatabaseLocked(
            f"database {db_path} is being written by another run ({_describe(holder)}); "
            "retry when it finishes"
        ) from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "run_id": run_id,
                    "command": command,
                    "pid": os.getpid(),
                    "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        )
        handle.flush()
    except OSError as exc:
        WriterLock(lock_path, handle).release()
        raise _environment(exc, str(lock_path)) from exc
    return WriterLock(lock_path, handle)


def _describe(holder: str) -> str:
    try:
        info = json.loads(holder)
        return (
            f"run {info['run_id']}, `{info['command']}`, pid {info['pid']}, "
            f"started {info['started_at']}"
        )
    except (ValueError, KeyError, TypeError):
        return "holder unknown"


def connect(
    path: str, *, read_only: bool = False, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file; a lock held by another process becomes ``DatabaseLocked``."""
    config: dict[str, str | bool | int | float | list[str]] = {}
    if threads:
        config["threads"] = threads
    if path != ":memory:":
        _check_directory(path)
        if read_only and not Path(path).exists():
            raise FileSystemError(
                f"cannot open database {path}: no such file; run an ingest first or fix --db"
            )
    try:
        con = duckdb.connect(path, read_only=read_only, config=config)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLocked(
                f"database {path} is open for writing by another process; retry later"
            ) from exc
        known = classify(exc, doing="cannot open database")
        if isinstance(known, FileSystemError):
            raise known from exc
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc
    con.execute("SET TimeZone = 'UTC'")
    return con


def _check_directory(db_path: str) -> None:
    """A missing directory is named as such (exit 2), not as a missing lock or database file."""
    parent = Path(db_path).resolve().parent
    if not parent.is_dir():
        raise FileSystemError(
            f"cannot open database {db_path}: directory {parent} does not exist; "
            "create it or fix --db"
        )


def _environment(exc: OSError, lock_path: str) -> FileSystemError | OSError:
    """An OS failure on the writer lock file as an exit-2/3 error naming it."""
    return file_system_error(exc, lock_path, doing="cannot write the database lock file") or exc


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, rolled back on any exception, so a killed or failed step leaves nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
