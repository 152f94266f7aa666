"""The one exception tree of bedrock-reconciler, and the exit codes it maps to.

Every failure that ends a command is a :class:`ReconcilerError`; the CLI catches it at a single
boundary and turns it into one line on stderr and a stable exit code (``CONTRACT.md``). Bad
*records* are not exceptions at all: parsers put them in the quarantine
(``reconciler.core.quarantine``) and carry on, because one corrupt gzip must not stop a nightly job.

    ReconcilerError
    ├── ConfigError        bad flag, config file, price or rules file        -> 2 (fix and rerun)
    ├── PriceBookError     a price file that does not validate               -> 2
    ├── SourceError        a source that is wrong for good (no such bucket)  -> 2
    │   └── SourceUnavailable   network, throttling, credentials expired     -> 3 (retry later)
    ├── DatabaseError      the DuckDB file cannot be used                    -> 3 when locked/busy
    │   └── DatabaseLocked      another writer holds the database            -> 3
    └── FileSystemError    a path is missing, not permitted, read-only or the disk is full
                           -> 2 (a human must fix it), 3 for the few errnos a retry can clear

``transient`` says whether a scheduler should retry: only transient errors map to exit code 3.

Environment failures are not bugs, wherever they surface: :func:`classify` turns an ``OSError``
(by errno) or a DuckDB I/O error (by its message, DuckDB keeps no errno) into a
:class:`FileSystemError` naming the path, and :func:`exit_code_for` uses it, so the CLI boundary and
the run ledger agree on the code. Exit 70 is left for what is really a bug.
"""

from __future__ import annotations

import errno
import re
from enum import IntEnum
from pathlib import Path

__all__ = [
    "ConfigError",
    "DatabaseError",
    "DatabaseLocked",
    "ExitCode",
    "FileSystemError",
    "PriceBookError",
    "ReconcilerError",
    "SourceError",
    "SourceUnavailable",
    "classify",
    "exit_code_for",
    "file_system_error",
]


class ExitCode(IntEnum):
    """Process exit codes. A contract: schedulers branch on these numbers."""

    OK = 0
    """Completed; no finding beyond tolerance."""
    FINDINGS = 1
    """Completed with findings: gaps beyond tolerance, unpriced usage, or quarantined records."""
    USAGE = 2
    """Usage or configuration error: fix the flag, config, price or rules file and rerun."""
    TRANSIENT = 3
    """A source or the database is unavailable or locked: retry later."""
    INTERNAL = 70
    """Internal error (a bug): one line on stderr, a traceback with --debug."""


class ReconcilerError(Exception):
    """Root of every error this package raises on purpose."""

    transient: bool = False
    exit_code: ExitCode = ExitCode.USAGE


class ConfigError(ReconcilerError):
    """A flag, ``reconciler.toml``, price file or rules file is invalid. The message names the
    file, the key and the fix."""


class PriceBookError(ConfigError):
    """A price book or overlay does not validate (overlap, missing unit, unknown charge)."""


class SourceError(ReconcilerError):
    """A source is wrong in a way that retrying will not fix (no such bucket, bad URI)."""


class SourceUnavailable(SourceError):
    """A source could not be reached right now (network, throttling, expired credentials)."""

    transient = True
    exit_code = ExitCode.TRANSIENT


class DatabaseError(ReconcilerError):
    """The DuckDB file cannot be opened or written."""

    transient = True
    exit_code = ExitCode.TRANSIENT


class DatabaseLocked(DatabaseError):
    """Another process is writing to the database (one writer at a time)."""


class FileSystemError(ReconcilerError):
    """The machine, not the input or the code: a path is missing, not permitted, read-only, or its
    disk is full. Exit 2 (a human must act) unless ``transient`` (a retry can clear it: 3)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        self.exit_code = ExitCode.TRANSIENT if transient else ExitCode.USAGE


_PROBLEMS: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("does not exist", "create it or fix the path"),
    errno.ENOTDIR: ("has a file where a directory should be", "fix the path"),
    errno.EISDIR: ("is a directory", "give a file path"),
    errno.EACCES: ("permission denied", "give this user access or choose another path"),
    errno.EPERM: ("operation not permitted", "give this user access or choose another path"),
    errno.EROFS: ("is on a read-only file system", "use a writable location"),
    errno.ENOSPC: ("no space left on device (disk full)", "free space or move it to a larger disk"),
    errno.EDQUOT: ("disk quota exceeded", "free space or raise the quota"),
    errno.EFBIG: ("file too large for this file system", "move it to another file system"),
    errno.ENAMETOOLONG: ("file name too long", "use a shorter path"),
    errno.ELOOP: ("too many levels of symbolic links", "fix the symbolic links"),
}
"""errno -> (what is wrong, the fix) for failures a human must fix (exit 2)."""

_TRANSIENT_ERRNOS = frozenset(
    {
        errno.EAGAIN,
        errno.EBUSY,
        errno.EINTR,
        errno.ETIMEDOUT,
        errno.ESTALE,
        errno.EIO,
        errno.EMFILE,
        errno.ENFILE,
        errno.ENOMEM,
        errno.ENOLCK,
        errno.ETXTBSY,
        errno.ECONNRESET,
        errno.ECONNREFUSED,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
    }
)
"""errnos a retry can clear (exit 3): busy, interrupted, network file systems, resource limits."""

_DUCKDB_MESSAGES: tuple[tuple[str, int], ...] = (
    ("no space left on device", errno.ENOSPC),
    ("disk quota exceeded", errno.EDQUOT),
    ("read-only file system", errno.EROFS),
    ("permission denied", errno.EACCES),
    ("no such file or directory", errno.ENOENT),
    ("input/output error", errno.EIO),
)
"""DuckDB reports OS failures as text (strerror) without an errno: the text gives it back."""

_QUOTED_PATH = re.compile(r'"(/[^"]+|[^"]+\.[A-Za-z0-9]+)"')


def file_system_error(
    exc: OSError, path: str | None = None, *, doing: str = ""
) -> FileSystemError | None:
    """The :class:`FileSystemError` for an OS failure on ``path`` (default: the path the error
    names), its message starting with ``doing`` (``cannot write``); None when ``exc`` carries no
    errno (raised by hand: a bug, not the machine)."""
    if exc.errno is None:
        return None
    where = path or exc.filename
    return _describe(exc.errno, str(where) if where is not None else None, exc.strerror, doing)


def _describe(code: int, path: str | None, strerror: str | None, doing: str) -> FileSystemError:
    what, fix = _PROBLEMS.get(code, (strerror or errno.errorcode.get(code, str(code)), ""))
    if code == errno.ENOENT and path is not None:
        parent = Path(path).absolute().parent
        if not parent.is_dir():  # the usual case: say which directory is missing
            what = f"directory {parent} does not exist"
    transient = code in _TRANSIENT_ERRNOS
    subject = path if path is not None else "a file"
    if doing:
        subject = f"{doing} {subject}"
    if transient:
        fix = "retry later"
    elif not fix:
        fix = "fix the cause and rerun"
    return FileSystemError(f"{subject}: {what}; {fix}", transient=transient)


def _duckdb_error(exc: Exception, doing: str) -> FileSystemError | None:
    """An OS failure DuckDB reported as text (``IO Error: Could not write file "p": No space
    left on device``, also inside a ``FatalException``), else None."""
    if not type(exc).__module__.lstrip("_").startswith("duckdb"):
        return None
    text = str(exc)
    lowered = text.lower()
    for needle, code in _DUCKDB_MESSAGES:
        if needle in lowered:
            match = _QUOTED_PATH.search(text)
            return _describe(code, match.group(1) if match else None, None, doing)
    return None


def classify(exc: BaseException, *, doing: str = "") -> ReconcilerError | None:
    """``exc`` as the :class:`ReconcilerError` it stands for: itself, an environment failure
    (OS error with an errno, DuckDB I/O error; its message starts with ``doing``), or None for a
    bug."""
    if isinstance(exc, ReconcilerError):
        return exc
    if isinstance(exc, OSError):
        return file_system_error(exc, doing=doing)
    if isinstance(exc, Exception):
        return _duckdb_error(exc, doing)
    return None


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an exception that reached the CLI boundary."""
    known = classify(exc)
    if known is not None:
        return known.exit_code
    return ExitCode.INTERNAL
