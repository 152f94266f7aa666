"""Pipeline benchmarks (``make bench``): the nightly no-op run on a 10M-invocation database,
aggregation + rating + reconciliation of that month against a reference DuckDB roll-up, and the
S3 ingest of 2,000 small objects from a moto_server on 127.0.0.1 (concurrent against serial).

``BENCH_MONTH_ROWS`` (default 10,000,000) sizes the month; ``BENCH_ROUNDS`` as in the ingest
benchmarks. The month database is built with SQL (bench/month.py), not through JSON.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from generate_logs import generate
from harness import REPO, Variant, alternate, machine, machine_lines, measure, write_section
from month import attribute_month, build

from reconciler.ingest import load
from tests.support.aws import DUMMY_AWS, moto_server_process
from tests.support.stage import stage_ctx

pytestmark = pytest.mark.benchmark

DOC = REPO / "docs" / "performance.md"
DATA = REPO / "bench" / "data"
ROWS = int(os.environ.get("BENCH_MONTH_ROWS", "10000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


@pytest.fixture(scope="module")
def month() -> tuple[Path, Path]:
    """(database with ROWS invocations, config whose [sources] logs are all loaded already)."""
    DATA.mkdir(parents=True, exist_ok=True)
    logs = DATA / "nightly_logs"
    if not (logs / "manifest.json").exists():
        generate(2000, logs, seed=9, per_file=20)
    db = DATA / f"month_{ROWS}.duckdb"
    build(str(db), ROWS, logs / "AWSLogs")
    config = DATA / "nightly.toml"
    config.write_text(f'[sources]\nlogs = ["{logs / "AWSLogs"}"]\n')
    return db, config


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def test_nightly_run_with_nothing_new(month: tuple[Path, Path]) -> None:
    db, config = month
    base = [sys.executable, "-m", "reconciler", "--db", str(db), "--config", str(config), "-q"]
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": ""}
    day = Variant("`reconciler run --date 2025-11-20` (a day of 333k records)", [], env=env)
    day.cmd = [*base, "run", "--date", "2025-11-20"]
    empty = Variant("`reconciler run --date 2025-12-05` (a day without records)", [], env=env)
    empty.cmd = [*base, "run", "--date", "2025-12-05"]
    first = _run(day.cmd, env)  # computes the window once; the timed runs have nothing new
    for v in (day, empty):
        _run(v.cmd, env)
        v.samples = []
        for _ in range(ROUNDS):
            v.samples.append(_timed(v.cmd, env))
    rows = [
        "| command (nothing new since the previous run of the same window) | wall (median, "
        "min-max) | peak RSS |",
        "|---|---:|---:|",
    ]
    for v in (day, empty):
        walls = [s[0] for s in v.samples]
        rows.append(
            f"| {v.name} | {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f}) "
            f"| {max(s[1] for s in v.samples) / 2**20:,.0f} MiB |"
        )
    body = (
        f"Database: {ROWS:,} invocations (`python bench/month.py --rows {ROWS}`), plus 100 "
        "small log files named in `[sources] logs`, all already in the ledger. First run of "
        f"2025-11-20 (computes the window): {first:.2f} s. Each command ran once more untimed, "
        f"then {ROUNDS} timed runs. Whole process (interpreter start included). Load average "
        f"at end: {_load()}.\n\n" + "\n".join(rows) + "\n\nReproduce: `PYTHONPATH=. python -m "
        "pytest -q -m benchmark bench/test_bench_pipeline.py::test_nightly_run_with_nothing_new`.\n"
    )
    write_section(DOC, "nightly", body)


def _run(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    full = {k: v for k, v in (os.environ | {"PYTHONPATH": str(REPO)} | env).items() if v}
    proc = subprocess.run(cmd, env=full, capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]  # 1: findings (unpriced rows)
    return time.perf_counter() - t0


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    s = measure(cmd, env, ok=(0, 1))  # 1: findings (the month has unpriced rows)
    return s.wall, s.peak_tree


REFERENCE = """
CREATE OR REPLACE TEMP TABLE reference_rollup AS
WITH g AS (
    SELECT date_trunc('hour', event_time) AS hour, identity_arn, model_id,
           request_metadata['team'] AS team, count(*) AS requests,
           sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens
    FROM invocation_records
    WHERE event_time >= TIMESTAMP '2025-11-01' AND event_time < TIMESTAMP '2025-12-01'
    GROUP BY ALL
),
price AS (
    SELECT model_id, CAST(0.000003 AS DECIMAL(38, 12)) AS input_usd,
           CAST(0.000015 AS DECIMAL(38, 12)) AS output_usd
    FROM (SELECT DISTINCT model_id FROM invocation_records)
)
SELECT g.*, CAST(g.input_tokens * p.input_usd + g.output_tokens * p.output_usd
                 AS DECIMAL(38, 12)) AS cost_usd
FROM g LEFT JOIN price AS p USING (model_id)
"""

STAGES = """
import sys, time
from datetime import date
sys.path.insert(0, {repo!r})
from reconciler.db.connect import connect
from reconciler.core.config import Settings
from reconciler.db.stage import StageContext
from reconciler.stages import aggregate
from reconciler.stages import rate
from reconciler.stages import reconcile
con = connect({db!r})
start, end = date(2025, 11, 1), date(2025, 11, 30)
t = time.perf_counter()
a = aggregate.run(StageContext(con, Settings(), "bench", start, end))
r = rate.run(StageContext(con, Settings(), "bench", start, end))
c = reconcile.run(StageContext(con, Settings(), "bench", start, end))
print(a.rows_in, a.rows_out, r.rows_out, c.rows_out, round(time.perf_counter() - t, 3))
"""


def test_aggregate_rate_reconcile_a_month(month: tuple[Path, Path], tmp_path: Path) -> None:
    db, _ = month
    attribute_month(str(db))
    ref_script = tmp_path / "reference.py"
    ref_script.write_text(
        "import duckdb\n"
        f"con = duckdb.connect({str(db)!r})\n"
        f"con.execute({REFERENCE!r})\n"
        "print(con.execute('SELECT count(*) FROM reference_rollup').fetchone()[0])\n"
    )
    ours_script = tmp_path / "ours.py"
    ours_script.write_text(STAGES.format(repo=str(REPO), db=str(db)))
    ref = Variant("reference: DuckDB roll-up hour x identity x model x team + price join", [])
    ref.cmd = [sys.executable, str(ref_script)]
    ours = Variant("ours: aggregate + rate + reconcile (library calls, one process)", [])
    ours.cmd = [sys.executable, str(ours_script)]
    alternate([ref, ours], rounds=ROUNDS, warmup=1)
    requests, facts, rated, buckets, _ = ours.samples[-1].stdout.split()
    ratio = statistics.median(
        o.wall / r.wall for o, r in zip(ours.samples, ref.samples, strict=True)
    )
    rows = ["| command | wall (median, min-max) | peak RSS |", "|---|---:|---:|"]
    for v in (ref, ours):
        walls = [s.wall for s in v.samples]
        rows.append(
            f"| {v.name} | {v.wall:.2f} s ({min(walls):.2f}-{max(walls):.2f}) "
            f"| {v.peak_tree / 2**20:,.0f} MiB |"
        )
    body = (
        f"{int(requests):,} invocations in November 2025 -> {int(facts):,} hourly fact rows -> "
        f"{int(rated):,} rated daily rows -> {int(buckets):,} reconciliation rows. Reference "
        f"groups: {int(ref.samples[-1].stdout):,}. Whole process each, alternating, 1 warm-up + "
        f"{ROUNDS} counted. Load average at end: {_load()}.\n\n"
        + "\n".join(rows)
        + f"\n\n* ours / reference (paired): **{ratio:.2f}x** (goal <= 1.5x; and < 20 s)\n"
        "\nReproduce: `PYTHONPATH=. python -m pytest -q -m benchmark "
        "bench/test_bench_pipeline.py::test_aggregate_rate_reconcile_a_month`.\n"
    )
    write_section(DOC, "aggregate", body)


# --- S3: 2,000 small objects from a moto_server on 127.0.0.1 ------------------------------------


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with moto_server_process() as url:
        yield url


def test_s3_ingest_of_2000_small_objects(
    moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    from reconciler.core.quarantine import Problems
    from reconciler.db.connect import connect
    from reconciler.db.migrate import migrate

    for key, value in (DUMMY_AWS | {"AWS_ENDPOINT_URL": moto_endpoint}).items():
        monkeypatch.setenv(key, value)
    logs = tmp_path / "logs"
    manifest = generate(10_000, logs, seed=12, per_file=5, offload_rate=0.0)
    files = sorted(logs.glob("AWSLogs/**/*.json.gz"))
    assert len(files) == 2000
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="bench-logs")
    with ThreadPoolExecutor(16) as pool:
        list(
            pool.map(
                lambda f: s3.put_object(
                    Bucket="bench-logs", Key=str(f.relative_to(logs)), Body=f.read_bytes()
                ),
                files,
            )
        )
    results: dict[str, list[float]] = {"concurrent": [], "serial": []}
    for i in range(ROUNDS + 1):
        for name, fetchers in (("concurrent", None), ("serial", 1)):
            db = tmp_path / f"s3_{name}_{i}.duckdb"
            con = connect(str(db))
            migrate(con)
            t0 = time.perf_counter()
            r = load.run(
                stage_ctx(con, "bench", problems=Problems()),
                sources=["s3://bench-logs/AWSLogs/"],
                workers=2,
                fetchers=fetchers,
            )
            wall = time.perf_counter() - t0
            con.close()
            assert r.counts["records"] == manifest["unique_requests"]
            if i:  # the first round warms up
                results[name].append(wall)
    conc, serial = (statistics.median(results[k]) for k in ("concurrent", "serial"))
    ratio = statistics.median(
        s / c for s, c in zip(results["serial"], results["concurrent"], strict=True)
    )
    kib = sum(f.stat().st_size for f in files) / 2000 / 1024
    body = (
        f"2,000 objects of 5 records (about {kib:.1f}"
        " KiB gzip each) in a moto_server on 127.0.0.1; `ingest logs` on `s3://bench-logs/AWSLogs/`"
        f" with 2 parse workers, into a fresh database each time (list, fetch, parse, commit). "
        f"Alternating, 1 warm-up + {ROUNDS} counted. Load average at end: {_load()}.\n\n"
        "| fetch | wall (median) | objects/s |\n|---|---:|---:|\n"
        f"| concurrent (default: 8 fetch threads) | {conc:.2f} s | {2000 / conc:,.0f} |\n"
        f"| serial (`fetchers=1`) | {serial:.2f} s | {2000 / serial:,.0f} |\n\n"
        f"* serial / concurrent (paired): **{ratio:.2f}x**\n\n"
        "Reproduce: `PYTHONPATH=. python -m pytest -q -m benchmark "
        "bench/test_bench_pipeline.py::test_s3_ingest_of_2000_small_objects`.\n"
    )
    write_section(DOC, "s3", body)


def test_machine_facts() -> None:
    write_section(DOC, "machine", machine_lines(machine()))


# --- Publishing: what the always-readable --db path costs a writing command ---------------------


def test_publish_cost(month: tuple[Path, Path]) -> None:
    """A writing command works on a private copy and publishes it (reconciler.db.publish): the
    copy for the next writer, the checkpoint, the fsync and the rename, on the 10 M database."""
    from reconciler.db import publish
    from reconciler.db.runs import Run

    db, _ = month
    parts: dict[str, list[float]] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                parts.setdefault(name, []).append(time.perf_counter() - t0)

        return wrapper

    real_copy, real_fsync = publish._copy, publish._fsync_file
    publish._copy = timed("copy", real_copy)  # type: ignore[assignment]
    publish._fsync_file = timed("fsync", real_fsync)  # type: ignore[assignment]
    try:
        for i in range(ROUNDS + 1):
            Path(f"{db}.work.json").unlink(missing_ok=True)  # force a fresh copy
            t0 = time.perf_counter()
            run = Run(str(db), "bench publish")
            run.__enter__()
            enter = time.perf_counter() - t0
            run.con.execute(  # one committed change, so that the run publishes
                "UPDATE run_log SET summary = '{}' WHERE run_id = $id", {"id": run.run_id}
            )
            t1 = time.perf_counter()
            run.__exit__(None, None, None)
            if i:
                parts.setdefault("enter", []).append(enter)
                parts.setdefault("exit", []).append(time.perf_counter() - t1)
    finally:
        publish._copy, publish._fsync_file = real_copy, real_fsync  # type: ignore[assignment]
    # the first round is a warm-up; each round made two copies (enter, after publishing)
    copies = parts["copy"][2:]
    fsyncs = parts["fsync"][1:]
    size = db.stat().st_size
    med = statistics.median
    rows = [
        "| step | wall (median, min-max) |",
        "|---|---:|",
        f"| copy of the published file to `<db>.work` ({size / 2**20:,.0f} MiB, "
        f"{'reflink' if med(copies) < 0.05 else 'copy_file_range'}) "
        f"| {med(copies):.2f} s ({min(copies):.2f}-{max(copies):.2f}) |",
        f"| `fsync` of the working copy before the rename | {med(fsyncs):.2f} s "
        f"({min(fsyncs):.2f}-{max(fsyncs):.2f}) |",
        f"| a writing command's start when `<db>.work` must be made (open + copy + migrate) "
        f"| {med(parts['enter']):.2f} s |",
        f"| a writing command's end that publishes (checkpoint, close, fsync, rename, copy for "
        f"the next writer) | {med(parts['exit']):.2f} s |",
    ]
    body = (
        f"Database: {ROWS:,} invocations, {size / 2**20:,.0f} MiB. A run with one committed "
        f"change, {ROUNDS} rounds after a warm-up, in one process; the working copy was deleted "
        "before each round so that the start pays for a copy too (normally the previous writer "
        f"left one). Load average at end: {_load()}.\n\n"
        + "\n".join(rows)
        + "\n\nA command that changed nothing publishes nothing and copies nothing: its cost is "
        "the nightly figure above.\n\nReproduce: `PYTHONPATH=. python -m pytest -q -m benchmark "
        "bench/test_bench_pipeline.py::test_publish_cost`.\n"
    )
    write_section(DOC, "publish", body)
