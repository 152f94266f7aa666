"""Spark local mode against the local ingest on the same files (``make bench``; needs Java).

Records/s of ``python -m reconciler.spark`` with 1 and 2 executor cores (``local[1]``,
``local[2]``) against ``reconciler ingest logs --workers 2`` (and 1), whole processes, alternating
(bench/harness.py). The Spark job does more than the ingest (it also attributes and rolls up to
hourly facts, and writes Parquet); the local figure is the ingest alone, the part it replaces.
``BENCH_SPARK_RECORDS`` (default 200,000), ``BENCH_ROUNDS`` (default 3, after one warm-up).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
from pathlib import Path

import pytest
from generate_logs import generate
from harness import REPO, DataSet, Variant, alternate, machine, machine_lines, write_section

pytestmark = pytest.mark.benchmark

DOC = REPO / "docs" / "performance.md"
DATA = REPO / "bench" / "data"
RECORDS = int(os.environ.get("BENCH_SPARK_RECORDS", "200000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PY = sys.executable


def _data() -> DataSet:
    root = DATA / f"logs_{RECORDS}_7"
    if not (root / "manifest.json").exists():
        generate(RECORDS, root, 7, per_file=1000, workers=os.cpu_count() or 2)
    return DataSet.of(root)


def _dropper(*paths: Path):  # type: ignore[no-untyped-def]
    def drop() -> None:
        for p in paths:
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()

    return drop


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17")
def test_spark_local_mode_against_the_local_ingest(tmp_path: Path) -> None:
    data = _data()
    srcs = [str(data.root / "AWSLogs"), str(data.root / "exportedlogs")]
    db = tmp_path / "b.duckdb"
    local = [
        Variant(
            f"local ingest, {w} worker{'s' if w > 1 else ''}",
            [PY, "-m", "reconciler", "--db", str(db), "ingest", "logs", "--workers", str(w), *srcs],
            prepare=_dropper(db, Path(f"{db}.work"), Path(f"{db}.work.json")),
        )
        for w in (1, 2)
    ]
    spark = [
        Variant(
            f"Spark local[{n}]",
            [
                PY,
                "-m",
                "reconciler.spark",
                "--master",
                f"local[{n}]",
                "--conf",
                f"spark.sql.shuffle.partitions={4 * n}",
                "--conf",
                "spark.ui.enabled=false",
                "--conf",
                "spark.ui.showConsoleProgress=false",
                "--output",
                str(tmp_path / f"out{n}"),
                *srcs,
            ],
            prepare=_dropper(tmp_path / f"out{n}"),
        )
        for n in (1, 2)
    ]
    variants = [*local, *spark]
    alternate(variants, rounds=ROUNDS, warmup=1)
    records = data.records
    lines = [
        "| command | wall (median, min-max) | records/s | records per core-second "
        "| peak RSS (tree) |",
        "|---|---:|---:|---:|---:|",
    ]
    cores = {"local ingest, 1 worker": 1, "local ingest, 2 workers": 2}
    cores |= {"Spark local[1]": 1, "Spark local[2]": 2}
    for v in variants:
        walls = [s.wall for s in v.samples]
        rate = records / v.wall
        lines.append(
            f"| {v.name} | {v.wall:.1f} s ({min(walls):.1f}-{max(walls):.1f}) | {rate:,.0f} "
            f"| {rate / cores[v.name]:,.0f} | {v.peak_tree / 2**20:,.0f} MiB |"
        )
    speedup = statistics.median(
        a.wall / b.wall for a, b in zip(spark[0].samples, spark[1].samples, strict=True)
    )
    vs_local = statistics.median(
        a.wall / b.wall for a, b in zip(spark[1].samples, local[1].samples, strict=True)
    )
    facts = machine()
    body = (
        f"{records:,} records ({data.files} files + the CloudWatch export, "
        f"{data.uncompressed / 1e9:.2f} GB uncompressed), {ROUNDS} rounds after a warm-up, "
        f"alternating; load average at start {facts['load average (1, 5, 15 min) at start']}.\n\n"
        + "\n".join(lines)
        + f"\n\nSpark local[2] against local[1]: **{speedup:.2f}x** faster; Spark local[2] takes "
        f"**{vs_local:.2f}x** the wall time of the local ingest with 2 workers (which does not "
        "attribute, roll up or write Parquet).\n\n"
        "Reproduce: `PYTHONPATH=. python -m pytest -q -m benchmark "
        "bench/test_bench_spark.py` (`BENCH_SPARK_RECORDS`, `BENCH_ROUNDS`).\n\n"
        + machine_lines(facts)
    )
    write_section(DOC, "spark", body)
    for v in spark:
        assert all(s.returncode in (0, 1) for s in v.samples)
