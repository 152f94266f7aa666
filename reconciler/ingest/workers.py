"""Where the ingest's parse workers come from: a fork server with the parser already imported.

Workers start from a ``forkserver``, not ``fork`` (forking a process that holds DuckDB and boto3
threads is unsafe) and not ``spawn`` (which re-imports the ``__main__`` module, for the
``reconciler`` command the whole CLI, in every worker). The fork server imports the parser,
pyarrow and msgspec once (``PRELOAD``, about 0.2 s) and forks each worker from that state, so
the workers start without importing anything.

:func:`started_early` starts that fork server when the ``ingest logs`` command starts (if its
local sources hold enough files to need workers, or it reads S3), so its
imports run on the idle core while the command opens the database and lists the sources; the
first file is parsed about 0.2 s sooner. If the ingest ends up needing no workers (nothing new,
or a few files parsed in-process), the fork server is stopped at once: left alone it would finish
its imports first, holding the command's stdout and stderr open after it exits, and a caller
reading them to the end would wait for it.

This module imports nothing heavy: the ``ingest logs`` command loads it before it knows whether
there is anything to read.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Iterator
from multiprocessing.context import BaseContext
from typing import Any

__all__ = ["PRELOAD", "context", "started_early", "uses_workers"]

logger = logging.getLogger(__name__)

PRELOAD = ["__main__", "reconciler.ingest.reader", "pyarrow.compute"]
"""What the fork server imports before it forks any worker. ``__main__`` is multiprocessing's
own default, kept so that a worker does not import the main script again. ``pyarrow.compute``
is not imported by the parser's modules but by pyarrow itself, on a worker's first cast or
filter: 0.03-0.05 s that each worker paid before its first file came back. It applies only to a
fork server this process has not started yet (one per process, started by its first pool)."""

_pools = 0  # process pools created from context(): a fork server started early was needed


def uses_workers(files: int, workers: int) -> bool:
    """Whether ``files`` files are parsed by a pool of ``workers`` processes, or in this one:
    starting worker processes costs more than parsing a few files."""
    return workers > 1 and files >= 4 * workers


def context() -> BaseContext:
    """The multiprocessing context of the ingest's process pools."""
    global _pools
    _pools += 1
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


@contextlib.contextmanager
def started_early(workers: int) -> Iterator[None]:
    """Start the fork server now if ``workers > 1``; stop it on exit if no pool used it.

    Uses multiprocessing's module-level fork server (``forkserver._forkserver``, not public
    API). Where that is not there, or a server is running already, or it cannot start now,
    this does nothing and the first pool starts the server as before (and reports why it
    cannot, if it is needed at all): the speed-up is lost, nothing else."""
    server = _server()
    if workers <= 1 or server is None or server._forkserver_pid is not None:
        yield
        return
    pools = _pools
    try:
        multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
        server.ensure_running()
    except (OSError, ValueError) as exc:
        logger.debug("worker fork server not started early: %s", exc)
        yield
        return
    try:
        yield
    finally:
        if _pools == pools:  # not needed: stop it now, mid-import or not
            _stop(server)


def _server() -> Any:
    try:
        from multiprocessing import forkserver

        server = forkserver._forkserver  # not public API
    except (ImportError, AttributeError):
        return None
    needed = ("_forkserver_pid", "ensure_running", "_stop")
    return server if all(hasattr(server, name) for name in needed) else None


def _stop(server: Any) -> None:
    pid = getattr(server, "_forkserver_pid", None)
    if pid is not None:
        with contextlib.suppress(OSError):  # gone already
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        server._stop()  # reaps it and forgets it (the next pool starts a new one)
