"""The two routes compared by the Spark tests: the local ingest, and the Spark job + ingest facts.

Both end in the same DuckDB views; :data:`COMPARED` lists what must be identical (run ids and
load times left out: they name the run, not the result).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from reconciler.cli import main
from reconciler.core.config import load_settings
from reconciler.spark.job import JobSummary, run_job

COMPARED = {
    "usage_hourly": "SELECT * EXCLUDE (run_id) FROM usage_hourly",
    "spend": "SELECT * EXCLUDE (run_id) FROM spend",
    "reconciliation": "SELECT * EXCLUDE (run_id) FROM reconciliation",
    "allocated_spend": "SELECT * FROM allocated_spend",
    "quarantine": "SELECT source_uri, line_number, reason, detail FROM quarantine",
    "duplicate_conflicts": "SELECT * EXCLUDE (run_id) FROM duplicate_conflicts",
    "source_objects": (
        "SELECT source_uri, fingerprint, size_bytes, kind, records, duplicates, quarantined "
        "FROM source_objects"
    ),
}


def cli(*args: str) -> int:
    """``reconciler ARGS`` in this process; its exit code."""
    with pytest.raises(SystemExit) as exc:
        main(["-q", *args])
    return int(exc.value.code or 0)


def local_route(
    db: Path, config: Path, logs: list[str], invoices: list[str], window: tuple[str, str]
) -> list[int]:
    """ingest logs, ingest invoice, run: the exit codes."""
    base = ["--db", str(db), "--config", str(config)]
    codes = [cli(*base, "ingest", "logs", "--workers", "1", *logs)]
    if invoices:
        codes.append(cli(*base, "ingest", "invoice", *invoices))
    codes.append(cli(*base, "run", "--start", window[0], "--end", window[1]))
    return codes


def spark_route(
    spark: object,
    db: Path,
    config: Path,
    logs: list[str],
    invoices: list[str],
    window: tuple[str, str],
    output: Path,
) -> tuple[JobSummary, list[int]]:
    """The Spark job, ingest facts, ingest invoice, run: the job's summary and the exit codes."""
    summary = run_job(spark, logs, str(output), load_settings(str(config)))  # type: ignore[arg-type]
    base = ["--db", str(db), "--config", str(config)]
    codes = [cli(*base, "ingest", "facts", str(output))]
    if invoices:
        codes.append(cli(*base, "ingest", "invoice", *invoices))
    codes.append(cli(*base, "run", "--start", window[0], "--end", window[1]))
    return summary, codes


def rows(db: Path, query: str) -> list[tuple[object, ...]]:
    """The query's rows, sorted (NULLs and mixed types compared by their repr)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.execute(query).fetchall(), key=repr)
    finally:
        con.close()
