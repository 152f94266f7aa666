"""Ingest benchmarks (``make bench``): ours against the isal floor, Polars and DuckDB, alternating.

Sizes come from the environment so a quick look is cheap: ``BENCH_RECORDS`` (default 1,000,000),
``BENCH_LARGE_RECORDS`` (default 3,000,000; 0 skips the flat-memory check), ``BENCH_ROUNDS``
(counted rounds, default 3, after one warm-up). Data sets are generated once into bench/data/
(git-ignored) and reused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from generate_logs import generate
from harness import (
    REPO,
    DataSet,
    Variant,
    alternate,
    check_ingest_outputs,
    ingest_table,
    ingest_variants,
    machine,
    machine_lines,
    write_section,
)

pytestmark = pytest.mark.benchmark

DOC = REPO / "docs" / "performance.md"
DATA = REPO / "bench" / "data"
RECORDS = int(os.environ.get("BENCH_RECORDS", "1000000"))
LARGE = int(os.environ.get("BENCH_LARGE_RECORDS", "3000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def dataset(records: int, seed: int) -> DataSet:
    """The generated set of ``records`` records (1,000 per file, as the reference set had)."""
    root = DATA / f"logs_{records}_{seed}"
    if not (root / "manifest.json").exists():
        generate(records, root, seed, per_file=1000, workers=os.cpu_count() or 2)
    return DataSet.of(root)


def _describe(data: DataSet) -> str:
    return (
        f"{data.records:,} records in {data.files:,} files, "
        f"{data.uncompressed / 1e9:.2f} GB uncompressed, {data.compressed / 1e9:.2f} GB gzip "
        f"(`python bench/generate_logs.py --records {data.records} --per-file 1000 "
        f"--seed {data.root.name.rsplit('_', 1)[1]} --out {data.root.relative_to(REPO)}`)"
    )


def _commands(variants: list[Variant], tmp: Path) -> str:
    lines = [
        "Commands (each timed as a whole process; `python` is the project's venv, `$TMP` a "
        "scratch directory):",
        "",
    ]
    for v in variants:
        cmd = " ".join(Path(c).name if c.endswith("python") else c for c in v.cmd)
        cmd = cmd.replace(str(REPO) + "/", "").replace(str(tmp), "$TMP")
        lines.append(f"* {v.name}: `{cmd}`")
    return "\n".join(lines) + "\n"


def test_ingest_against_floor_and_readers(tmp_path: Path) -> None:
    data = dataset(RECORDS, 7)
    facts = machine()
    variants = ingest_variants(data, tmp_path, workers=(2, 1))
    alternate(variants, rounds=ROUNDS, warmup=1)
    check_ingest_outputs(variants, data)
    facts["load average (1, 5, 15 min) at end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    body = (
        f"Data: {_describe(data)}. Rounds: 1 warm-up + {ROUNDS} counted, alternating.\n\n"
        + ingest_table(variants, data)
        + "\n"
        + _commands(variants, tmp_path)
        + "\nMachine:\n\n"
        + machine_lines(facts)
        + "\nReproduce: `make bench` (or `PYTHONPATH=. python -m pytest -q -m benchmark "
        "bench/test_bench_ingest.py::test_ingest_against_floor_and_readers`).\n"
    )
    write_section(DOC, "ingest", body)


@pytest.mark.skipif(LARGE <= 0, reason="BENCH_LARGE_RECORDS=0")
def test_ingest_memory_is_flat(tmp_path: Path) -> None:
    """Peak RSS of our ingest at RECORDS and at LARGE records (one run each after a warm-up)."""
    rows = [
        "| records | files | wall | records/s | peak RSS tree | peak RSS largest process |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    peaks = []
    for records, seed in ((RECORDS, 7), (LARGE, 8)):
        data = dataset(records, seed)
        ours = ingest_variants(data, tmp_path / str(records), workers=(2,))[0]
        alternate([ours], rounds=1, warmup=0)
        check_ingest_outputs([ours], data)
        s = ours.samples[0]
        peaks.append(s.peak_tree)
        rows.append(
            f"| {data.records:,} | {data.files:,} | {s.wall:.1f} s | "
            f"{data.records / s.wall / 1000:,.0f}k | {s.peak_tree / 2**20:,.0f} MiB | "
            f"{s.peak_proc / 2**20:,.0f} MiB |"
        )
    growth = peaks[1] / peaks[0]
    body = (
        "\n".join(rows)
        + f"\n\nPeak tree RSS at {LARGE:,} / at {RECORDS:,} records: **{growth:.2f}x** "
        f"(flat means about 1.0x). Load average at end: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + ".\n\nReproduce: `PYTHONPATH=. python -m pytest -q -m benchmark "
        "bench/test_bench_ingest.py::test_ingest_memory_is_flat`.\n"
    )
    write_section(DOC, "ingest-memory", body)


SMALL = int(os.environ.get("BENCH_SMALL_RECORDS", "100000"))


def test_ingest_small_whole_process(tmp_path: Path) -> None:
    """The 100k-record row: whole processes, same files, one run, alternating. At this size the
    fixed cost (interpreter, imports, opening the database, starting workers) shows."""
    data = dataset(SMALL, 7)
    variants = ingest_variants(data, tmp_path, workers=(2, 1))
    alternate(variants, rounds=ROUNDS, warmup=1)
    check_ingest_outputs(variants, data)
    body = (
        f"Data: {_describe(data)}. Rounds: 1 warm-up + {ROUNDS} counted, alternating. Load "
        "average at end: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + ".\n\n"
        + ingest_table(variants, data)
        + "\nReproduce: `PYTHONPATH=. python -m pytest -q -m benchmark "
        "bench/test_bench_ingest.py::test_ingest_small_whole_process`.\n"
    )
    write_section(DOC, "ingest-100k", body)


def test_parsers_per_file(tmp_path: Path) -> None:
    """Issue 13's proposed native fast path, measured before building it: the ingest's parser
    against Polars ``read_ndjson`` and DuckDB ``read_json`` on the same decompressed files, in
    one process (bench/parsers.py), with Polars on its default threads and on one thread (an
    ingest worker has one core of its own)."""
    data = dataset(SMALL, 7)
    script = [sys.executable, str(REPO / "bench" / "parsers.py"), str(data.root), str(ROUNDS)]
    runs = {
        "default threads": subprocess.run(script, check=True, capture_output=True, text=True),
        "POLARS_MAX_THREADS=1": subprocess.run(
            script,
            check=True,
            capture_output=True,
            text=True,
            env=os.environ | {"POLARS_MAX_THREADS": "1"},
        ),
    }
    names = {
        "ours": "ours: msgspec typed decode + checks + limits + Arrow table",
        "polars_read_ndjson": "Polars `read_ndjson(schema=partial)` (no checks, no body fields)",
        "duckdb_read_json": "DuckDB `read_json(columns=partial)`, 1 thread, from /dev/shm",
    }
    rows = [
        "| parser | Polars threads | seconds (median) | us/record | vs ours |",
        "|---|---|---:|---:|---:|",
    ]
    for label, proc in runs.items():
        results = [json.loads(line) for line in proc.stdout.splitlines()]
        assert {r["rows"] for r in results} == {data.records}, results
        ours = next(r["seconds"] for r in results if r["way"] == "ours")
        for r in results:
            rows.append(
                f"| {names[r['way']]} | {label} | {r['seconds']:.2f} s "
                f"| {r['seconds'] / data.records * 1e6:.1f} | {r['seconds'] / ours:.2f}x |"
            )
    body = (
        f"{data.records:,} records in {data.files:,} files ({data.uncompressed / 1e6:,.0f} MB "
        f"decompressed before timing), one process, alternating, {ROUNDS} counted rounds after a "
        "warm-up. Load average at end: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + ".\n\n"
        + "\n".join(rows)
        + "\n\nReproduce: `PYTHONPATH=. python -m pytest -q -m benchmark "
        "bench/test_bench_ingest.py::test_parsers_per_file`.\n"
    )
    write_section(DOC, "parsers", body)
