"""Fetch and parse source objects in parallel, yielding results in source order, memory bounded.

Decompression is the ingest's floor (docs/ingest.md): it is CPU work, so files are parsed in a
*process* pool (``workers``, default 2) that returns Arrow tables. S3 objects are fetched by a
small *thread* pool in this process (network-bound; the boto3 client is thread-safe and an
in-process ``mock_aws`` is visible to it) and their bytes handed to the process pool; local files
are read by the worker itself. Only a window of objects is in flight (``WINDOW_BYTES`` of
compressed input or ``WINDOW_FILES`` files), so memory does not grow with the input. Results
come back in the order the objects were given, which keeps dedupe deterministic ("first copy in
source order is kept").

``workers <= 1`` parses in this process (threads only): useful for tests and tiny inputs.
Workers start from a fork server that has the parser imported (:mod:`reconciler.ingest.workers`).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import TYPE_CHECKING

from reconciler.ingest.invocation_logs import ParsedFile, parse_bytes, parse_path, too_large
from reconciler.ingest.limits import DEFAULT_LIMITS, IngestLimits
from reconciler.ingest.sources import SourceObject, fetch_s3
from reconciler.ingest.workers import context as worker_context

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["WINDOW_BYTES", "WINDOW_FILES", "Reader"]

WINDOW_BYTES = 128 << 20
"""Compressed bytes submitted ahead of the consumer. The consumer pauses for each commit (about
0.5 s for a quarter-million records); this much look-ahead keeps both workers busy meanwhile, and
the parsed results waiting (about a fifth of the compressed size) stay small."""
WINDOW_FILES = 1024
"""...and at most this many files ahead (many tiny files)."""


class Reader:
    """``with Reader(workers, s3_client) as r: for obj, parsed in r.read(objects): ...``

    ``parsed`` is None when an S3 object vanished between listing and reading.
    """

    def __init__(
        self,
        workers: int = 2,
        s3_client: S3Client | None = None,
        *,
        window_bytes: int = WINDOW_BYTES,
        window_files: int = WINDOW_FILES,
        fetchers: int | None = None,
        limits: IngestLimits = DEFAULT_LIMITS,
    ) -> None:
        self.workers = max(1, workers)
        self.limits = limits
        self.s3_client = s3_client
        self.fetchers = max(1, fetchers) if fetchers else max(8, 4 * self.workers)
        self.window_bytes = window_bytes
        self.window_files = max(1, window_files)
        self._threads: ThreadPoolExecutor | None = None
        self._procs: ProcessPoolExecutor | None = None

    def __enter__(self) -> Reader:
        self._threads = ThreadPoolExecutor(self.fetchers, thread_name_prefix="ingest-fetch")
        if self.workers > 1:
            self._procs = ProcessPoolExecutor(
                self.workers, mp_context=worker_context(), initializer=_exit_with_parent
            )
        return self

    def __exit__(self, *_exc: object) -> None:
        for pool in (self._threads, self._procs):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._threads = self._procs = None

    def read(
        self, objects: Iterable[SourceObject]
    ) -> Iterator[tuple[SourceObject, ParsedFile | None]]:
        pending: deque[tuple[SourceObject, Future[ParsedFile | None]]] = deque()
        in_flight = 0
        for obj in objects:
            pending.append((obj, self._submit(obj)))
            in_flight += obj.size
            while pending and (len(pending) >= self.window_files or in_flight >= self.window_bytes):
                done, future = pending.popleft()
                in_flight -= done.size
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()

    def _submit(self, obj: SourceObject) -> Future[ParsedFile | None]:
        assert self._threads is not None, "Reader used outside its with-block"
        if obj.path is not None:
            pool: Executor = self._procs or self._threads
            return pool.submit(parse_path, obj.path, obj.uri, self.limits)
        return self._threads.submit(self._fetch_and_parse, obj)

    def _fetch_and_parse(self, obj: SourceObject) -> ParsedFile | None:
        assert self.s3_client is not None, "an S3 object needs an S3 client"
        if obj.size > self.limits.max_decompressed_bytes:  # too big even compressed: not fetched
            return too_large(obj.uri, self.limits.max_decompressed_bytes, "is")
        data = fetch_s3(self.s3_client, obj)
        if data is None:
            return None
        if self._procs is not None:
            return self._procs.submit(parse_bytes, data, obj.uri, limits=self.limits).result()
        return parse_bytes(data, obj.uri, limits=self.limits)


def _exit_with_parent() -> None:
    """Worker initializer: exit when the parent dies (e.g. SIGKILL), instead of lingering as an
    orphan blocked on its task queue and holding the parent's stdout/stderr open."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
