"""The ingest ledger (``source_objects``) and the quarantine rows a stage writes.

Every ingest stage asks the same question before reading an object (a file, an S3 object, a
pulled CloudWatch window): is it in the ledger with this fingerprint? Then it is skipped, so
re-ingesting never double counts and a nightly run with nothing new does almost nothing.
"""

from __future__ import annotations

import duckdb

from reconciler.core.arrow import pa
from reconciler.core.clock import utc_now
from reconciler.core.quarantine import Problems
from reconciler.db import bulk, sql

__all__ = ["is_loaded", "write_problems"]

_QUARANTINE = pa.schema(
    [
        ("run_id", pa.string()),
        ("source_uri", pa.string()),
        ("line_number", pa.int64()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("recorded_at", pa.timestamp("us")),
    ]
)


def is_loaded(con: duckdb.DuckDBPyConnection, uri: str, fingerprint: str) -> bool:
    """Whether ``uri`` is in the ledger with ``fingerprint``."""
    found = sql.execute(con, "ledger/source_loaded", {"uri": uri, "fingerprint": fingerprint})
    return bool(found.fetchall())


def write_problems(
    con: duckdb.DuckDBPyConnection, problems: Problems, start: int, run_id: str
) -> int:
    """Write ``problems.items[start:]`` not yet stored to ``quarantine_records`` (in the
    caller's transaction, so the rows commit together with the good rows of the same source);
    returns how many."""
    now = utc_now()
    rows = [
        (run_id, p.source_uri, p.line_number, p.reason.value, p.detail, now)
        for p in problems.items[start:]
        if not p.stored
    ]
    return bulk.insert(con, "ledger/quarantine_insert", bulk.rows_table(rows, _QUARANTINE))
