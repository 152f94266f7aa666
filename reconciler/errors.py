"""The one exception tree of bedrock-reconciler, and the exit codes it maps to.

Every failure that ends a command is a :class:`ReconcilerError`; the CLI catches it at a single
boundary and turns it into one line on stderr and a stable exit code (``CONTRACT.md``). Bad
*records* are not exceptions at all: parsers put them in the quarantine (``reconciler.quarantine``)
and carry on, because one corrupt gzip must not stop a nightly job.

    ReconcilerError
    ├── ConfigError        bad flag, config file, price or rules file        -> 2 (fix and rerun)
    ├── PriceBookError     a price file that does not validate               -> 2
    ├── SourceError        a source that is wrong for good (no such bucket)  -> 2
    │   └── SourceUnavailable   network, throttling, credentials expired     -> 3 (retry later)
    ├── DatabaseError      the DuckDB file cannot be used                    -> 3 when locked/busy
    │   └── DatabaseLocked      another writer holds the database            -> 3
    └── CheckFailed        an invariant check found rows that break it       -> 70 (a bug)

``transient`` says whether a scheduler should retry: only transient errors map to exit code 3.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "CheckFailed",
    "ConfigError",
    "DatabaseError",
    "DatabaseLocked",
    "ExitCode",
    "PriceBookError",
    "ReconcilerError",
    "SourceError",
    "SourceUnavailable",
    "exit_code_for",
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


class CheckFailed(ReconcilerError):
    """An invariant check (``queries/checks``) returned rows: the pipeline has a bug."""

    exit_code = ExitCode.INTERNAL


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an exception that reached the CLI boundary."""
    if isinstance(exc, ReconcilerError):
        return exc.exit_code
    return ExitCode.INTERNAL
