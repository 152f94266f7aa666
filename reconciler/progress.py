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
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]

_MB = 1_000_000


class Progress:
    """Progress of ``total`` items (None: unknown) under ``label``; writes only to a TTY."""

    def __init__(
        self,
        total: int | None,
        label: str,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = 0.1,
    ) -> None:
        self.total = total
        self.label = label
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

    def advance(self, n: int = 1, bytes: int = 0) -> None:
        """Count ``n`` more items done and ``bytes`` more bytes read."""
        self.done += n
        self.bytes_done += bytes
        if not self.enabled or self._closed:
            return
        now = self._clock()
        finished = self.total is not None and self.done >= self.total
        if self._last_draw is None or finished or now - self._last_draw >= self._min_interval:
            self._draw(now)

    def render(self, now: float | None = None) -> str:
        """The progress text (without the carriage return): e.g.
        ``ingest logs: 3/10 files, 12.0 MB, 4.0 MB/s``."""
        elapsed = (self._clock() if now is None else now) - self._started
        count = f"{self.done}/{self.total}" if self.total is not None else f"{self.done}"
        text = f"{self.label}: {count} files"
        if self.bytes_done:
            mb = self.bytes_done / _MB
            rate = mb / elapsed if elapsed > 0 else 0.0
            text += f", {mb:.1f} MB, {rate:.1f} MB/s"
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

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
