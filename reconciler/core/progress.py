"""A tiny progress line for long loops (files done / total, MB, MB/s), on stderr, TTY only.

stdout is data and schedulers read stderr line by line, so progress must never leak into either
when nobody is watching: when the stream is not a TTY every method is a no-op. On a TTY the line is
redrawn in place (``\\r``) at most every ``min_interval`` seconds so a loop over 100,000 small
files does not spend its time writing to the terminal, and ``close()`` ends it with a newline.

    progress = Progress(len(files), "ingest logs")
    for f in files:
        ...
        progress.advance(1, bytes=f.size)
    progress.close()

It is a context manager as well (``with Progress(n, "label") as p:``). No dependency: a progress
bar library would pull in a rendering engine for one line of text.

Library stages never decide to draw: they take an optional ``progress`` argument typed
:class:`ProgressSink` (``None``: nothing is reported) and call ``set_total`` once they know how
many items there are, ``advance`` per item and ``note`` for what is happening inside a long item
(e.g. pages of a CloudWatch window). The CLI passes a :class:`Progress` only when stderr is a TTY.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Protocol, TextIO

__all__ = ["NO_PROGRESS", "NoProgress", "Progress", "ProgressSink"]

_MB = 1_000_000


class ProgressSink(Protocol):
    """What a library stage may report; :class:`Progress` draws it, :class:`NoProgress` not."""

    def set_total(self, total: int | None) -> None:
        """The number of items, once known (None: unknown)."""

    def advance(self, n: int = 1, bytes: int = 0) -> None:
        """``n`` more items done, ``bytes`` more bytes read."""

    def note(self, text: str) -> None:
        """A short status shown after the counts: counts and dates only, never log content
        (a log string could carry terminal escape sequences)."""


class NoProgress:
    """The default sink: reports nothing (library calls without a ``progress`` argument)."""

    def set_total(self, total: int | None) -> None:
        """Ignored."""

    def advance(self, n: int = 1, bytes: int = 0) -> None:
        """Ignored."""

    def note(self, text: str) -> None:
        """Ignored."""


NO_PROGRESS = NoProgress()
"""The shared no-op sink: ``sink = progress or NO_PROGRESS``."""


class Progress:
    """Progress of ``total`` items (None: unknown) under ``label``; writes only to a TTY.

    ``unit`` names the items in the line (``files``, ``windows``, ``regions``)."""

    def __init__(
        self,
        total: int | None,
        label: str,
        *,
        unit: str = "files",
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = 0.1,
    ) -> None:
        self.total = total
        self.label = label
        self.unit = unit
        self.status = ""
        self.done = 0
        self.bytes_done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._min_interval = min_interval
        self._started = clock()
        self._last_draw: float | None = None
        self._width = 0
        self._closed = False
        try:
            self.enabled = bool(self._stream.isatty())
        except (AttributeError, ValueError):  # closed or exotic streams
            self.enabled = False

    def set_total(self, total: int | None) -> None:
        """Set the number of items once the caller knows it (after listing the sources)."""
        self.total = total

    def advance(self, n: int = 1, bytes: int = 0) -> None:
        """Count ``n`` more items done and ``bytes`` more bytes read."""
        self.done += n
        self.bytes_done += bytes
        finished = self.total is not None and self.done >= self.total
        self._maybe_draw(force=finished)

    def note(self, text: str) -> None:
        """Show ``text`` after the counts (redrawn at most every ``min_interval``)."""
        self.status = text
        self._maybe_draw(force=False)

    def _maybe_draw(self, *, force: bool) -> None:
        if not self.enabled or self._closed:
            return
        now = self._clock()
        if self._last_draw is None or force or now - self._last_draw >= self._min_interval:
            self._draw(now)

    def render(self, now: float | None = None) -> str:
        """The progress text (without the carriage return): e.g.
        ``ingest logs: 3/10 files, 12.0 MB, 4.0 MB/s`` or
        ``ingest cloudwatch: 1/3 windows, 2025-11-04: 2 pages, 1500 events``."""
        elapsed = (self._clock() if now is None else now) - self._started
        count = f"{self.done}/{self.total}" if self.total is not None else f"{self.done}"
        text = f"{self.label}: {count} {self.unit}"
        if self.bytes_done:
            mb = self.bytes_done / _MB
            rate = mb / elapsed if elapsed > 0 else 0.0
            text += f", {mb:.1f} MB, {rate:.1f} MB/s"
        if self.status:
            text += f", {self.status}"
        return text

    def _draw(self, now: float) -> None:
        text = self.render(now)
        pad = " " * max(0, self._width - len(text))  # wipe a longer previous line
        self._stream.write("\r" + text + pad)
        self._stream.flush()
        self._width = len(text)
        self._last_draw = now

    def close(self) -> None:
        """Draw the final figures and end the line (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self.enabled and self._last_draw is not None:
            self._draw(self._clock())
            self._stream.write("\n")
            self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
