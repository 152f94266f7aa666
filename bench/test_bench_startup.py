"""Start-up benchmark (``make bench``): what every command pays before it does any work.

Whole processes (``python -m reconciler ...``), alternating, median of ``BENCH_STARTUP_ROUNDS``
(default 7) after a warm-up. tests/cli/test_startup.py checks the imports behind these figures
in the default test run; this file only times them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from harness import REPO, Variant, alternate, write_section

pytestmark = pytest.mark.benchmark

DOC = REPO / "docs" / "performance.md"
ROUNDS = int(os.environ.get("BENCH_STARTUP_ROUNDS", "7"))


def test_startup(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    db = tmp_path / "startup.duckdb"
    base = [sys.executable, "-m", "reconciler"]
    variants = [
        Variant("`reconciler --help`", [*base, "--help"]),
        Variant("`reconciler --version`", [*base, "--version"]),
        Variant(
            "`reconciler ingest logs --help` (validates the settings first)",
            [*base, "ingest", "logs", "--help"],
        ),
        Variant(
            "`reconciler ingest logs <empty directory>` (opens the database, publishes nothing)",
            [*base, "--db", str(db), "-q", "ingest", "logs", str(empty)],
        ),
    ]
    alternate(variants, rounds=ROUNDS, warmup=1)
    rows = ["| command | wall (median, min-max) | peak RSS |", "|---|---:|---:|"]
    for v in variants:
        walls = [s.wall for s in v.samples]
        rows.append(
            f"| {v.name} | {v.wall:.2f} s ({min(walls):.2f}-{max(walls):.2f}) "
            f"| {v.peak_tree / 2**20:,.0f} MiB |"
        )
    body = (
        f"Whole process, alternating, 1 warm-up + {ROUNDS} counted. Load average at end: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + ".\n\n"
        + "\n".join(rows)
        + "\n\nReproduce: `PYTHONPATH=. python -m pytest -q -m benchmark "
        "bench/test_bench_startup.py`.\n"
    )
    write_section(DOC, "startup", body)
