"""Keep the ingest's resident memory flat: hand freed memory back to the OS between batches.

Why this is needed: the parent receives every parsed file as a pickled Arrow table from a worker
(through the executor's reader thread, so in a separate malloc arena) and frees a whole batch
after each commit. glibc keeps freed heap pages, and raises its mmap threshold after large frees,
so without a trim the process's RSS ratchets up with every batch (measured: 740 MiB against
420 MiB after trimming, for the same 1 M records; docs/performance.md). ``malloc_trim`` exists
only in glibc; elsewhere this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache

from reconciler.core.arrow import pa

__all__ = ["release_memory"]


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
        return trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return None


def release_memory() -> None:
    """Return freed heap and Arrow pool memory to the OS (cheap: a few ms)."""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
