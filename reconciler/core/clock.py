"""The one clock: "now" as DuckDB stores it.

Every timestamp the tool writes (ledger rows, load times, pulls) is UTC without a zone, because
DuckDB ``TIMESTAMP`` has none and a local-time value would shift with the host's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utc_now"]


def utc_now() -> datetime:
    """The current UTC time, naive (a DuckDB ``TIMESTAMP``)."""
    return datetime.now(UTC).replace(tzinfo=None)
