"""Load the output of the Spark job (``python -m reconciler.spark``) into the database.

Input: a directory written by the job (layout below; a local path: copy an ``s3://`` output down
first, it is small). Output tables: ``imported_usage_facts`` (read by the aggregate stage into
``usage_hourly_facts``), ``quarantine_records``, ``duplicate_conflicts``, ``source_objects`` and
``model_ids`` (ids the local database does not know yet).

Layout of a job output (every part a Parquet dataset with Spark's ``_SUCCESS`` marker):

* ``facts/`` -- the hourly usage facts, the columns of ``usage_hourly_facts`` without ``run_id``.
* ``quarantine/`` -- ``source_uri, line_number, reason, detail`` per rejected record or file.
* ``duplicate_conflicts/`` -- the columns of ``duplicate_conflicts`` without ``run_id``.
* ``manifest/`` -- one row per source object read: ``source_uri, fingerprint, size_bytes, kind,
  records, duplicates, quarantined, ledger`` (``ledger`` false: unreadable or over a limit; read
  again next time, as the local ingest does).
* ``model_ids/`` -- the model-id resolutions the job used (added for ids the database does not
  know or knows only as unresolved: ``allocate`` reads provisioned model units from them).

Invariants and why:

* **Idempotent.** Facts replace what is stored for the (hour, account, region) cells they cover,
  in one transaction with everything else; quarantine rows, conflicts and ledger rows are added
  only for objects not already in the ledger (same source_uri and fingerprint), so loading the
  same output twice changes nothing but the run ledger.
* **Same meaning as a local ingest.** The job runs the product's own parser, attribution and
  aggregation (``reconciler/spark``), so a cell's facts are what ``run`` would have aggregated
  from the same logs. Local invocation records in a covered cell are left out of the aggregate
  (the imported facts win), so the same logs ingested both ways never count twice.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import duckdb

from reconciler.core.errors import ConfigError
from reconciler.db import sql
from reconciler.db.connect import transaction
from reconciler.db.runs import StageResult

__all__ = ["FACT_COLUMNS", "FACT_KEYS", "PARTS", "ingest_facts"]

PARTS = ("facts", "quarantine", "duplicate_conflicts", "manifest", "model_ids")
"""The Parquet datasets of a job output, each a sub-directory."""

FACT_KEYS: tuple[str, ...] = (
    "hour",
    "account_id",
    "region",
    "base_model",
    "model_resolved",
    "routing",
    "tier",
    "mode",
    "charge",
    "context_tier",
    "team",
    "application",
    "attribution_rule",
)
"""The grain of ``usage_hourly_facts``, whichever route (local aggregate or Spark) wrote them."""

FACT_COLUMNS = (*FACT_KEYS, "quantity", "unit", "requests", "requests_counted")
"""Columns of ``facts/``: ``usage_hourly_facts`` without ``run_id``."""


def _check_output(path: Path) -> dict[str, str]:
    """The Parquet glob of each part; a usage error naming what is missing otherwise."""
    if not path.is_dir():
        raise ConfigError(
            f"{path}: not a directory; give the --output directory of python -m reconciler.spark"
            " (copy an s3:// output down first: aws s3 sync s3://... DIR)"
        )
    globs = {}
    for part in PARTS:
        if not (path / part / "_SUCCESS").is_file():
            raise ConfigError(
                f"{path}: {part}/_SUCCESS is missing: not a complete reconciler.spark output "
                "(the job failed or is still writing); run the job again"
            )
        globs[part] = str(path / part / "*.parquet")
    return globs


def ingest_facts(con: duckdb.DuckDBPyConnection, run_id: str, path: str) -> StageResult:
    """Load one job output (library entry point of ``reconciler ingest facts``)."""
    started = time.perf_counter()
    globs = _check_output(Path(path))
    for part, glob in globs.items():
        _stage(con, part, glob)
    try:
        with transaction(con):
            by_name = _load(con, run_id)
    finally:
        for part in PARTS:
            con.execute(f"DROP TABLE IF EXISTS _facts_{part}")  # our own fixed names
    reasons = Counter[str]()
    for reason, n in sql.execute(
        con, "ingest/facts_quarantine_reasons", {"run_id": run_id}
    ).fetchall():
        reasons[str(reason)] = int(n)
    return StageResult(
        stage="ingest facts",
        rows_in=by_name.get("fact_rows", 0),
        rows_out=by_name.get("fact_rows", 0),
        problems_by_reason=dict(sorted(reasons.items())),
        counts=dict(sorted(by_name.items())),
        findings=by_name.get("conflicts", 0),
        seconds=round(time.perf_counter() - started, 3),
    )


def _stage(con: duckdb.DuckDBPyConnection, part: str, glob: str) -> None:
    """``_facts_<part>``: the part's rows, or an empty table of the right shape when the job
    wrote no part file (an empty result)."""
    name = f"_facts_{part}"
    if any(Path(glob).parent.glob("*.parquet")):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM read_parquet($g)",  # noqa: S608 (our own name; the path is bound)
            {"g": glob},
        )
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {_EMPTY[part]}")


_EMPTY = {
    "facts": "SELECT * EXCLUDE (run_id) FROM usage_hourly_facts LIMIT 0",
    "quarantine": "SELECT source_uri, line_number, reason, detail FROM quarantine_records LIMIT 0",
    "duplicate_conflicts": "SELECT * EXCLUDE (run_id) FROM duplicate_conflicts LIMIT 0",
    "manifest": (
        "SELECT source_uri, fingerprint, size_bytes, kind, records, duplicates, quarantined, "
        "true AS ledger FROM source_objects LIMIT 0"
    ),
    "model_ids": "SELECT * FROM model_ids LIMIT 0",
}


def _load(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Every write of one load (inside the caller's transaction); the counts for the summary."""
    params = {"run_id": run_id}
    # Objects already in the ledger were loaded before (by this verb or `ingest logs`): their
    # quarantine rows, conflicts and ledger rows are in the database already.
    sql.execute(con, "ingest/facts_new_objects")
    try:
        sql.execute(con, "ingest/facts_replace")
        sql.execute(con, "ingest/facts_insert", params)
        sql.execute(con, "ingest/facts_quarantine_insert", params)
        sql.execute(con, "ingest/facts_conflicts_insert", params)
        sql.execute(con, "ingest/facts_ledger_insert", params)
        # ids the database does not know, or knows only as unresolved
        sql.execute(con, "ingest/facts_model_ids_drop_unresolved")
        sql.execute(con, "ingest/facts_model_ids_insert")
        row = sql.execute(con, "ingest/facts_counts").fetchone()
    finally:
        con.execute("DROP TABLE IF EXISTS _facts_new")
    assert row is not None
    names = ("fact_rows", "files", "files_new", "records", "duplicates", "quarantined", "conflicts")
    counts = dict(zip(names, (int(v) for v in row), strict=True))
    counts["skipped_already_loaded"] = counts["files"] - counts["files_new"]
    return counts
