"""Crash safety (a SIGKILLed ingest, rerun = uninterrupted run) and the generator's control
totals (the independent route for large data)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate_logs import generate

from reconciler.core.quarantine import Problems
from reconciler.ingest import load
from reconciler.ingest.load import DIE_HOOK
from tests.support.stage import stage_ctx

REPO = Path(__file__).resolve().parents[2]


def totals(con):
    return con.execute(
        "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_input_tokens), "
        "sum(cache_write_input_tokens) FROM invocations"
    ).fetchone()


def test_ingest_reproduces_the_generator_manifest(tmp_path, con):
    m = generate(1500, tmp_path, seed=11, per_file=150)
    sources = [str(tmp_path / "AWSLogs"), str(tmp_path / "exportedlogs")]
    r = load.run(
        stage_ctx(con, "r1", problems=Problems()), sources=sources, workers=2, batch_files=3
    )
    assert totals(con) == (
        m["unique_requests"],
        m["input_tokens"],
        m["output_tokens"],
        m["cache_read_input_tokens"],
        m["cache_write_input_tokens"],
    )
    assert r.counts["duplicates"] == m["duplicates"]
    assert r.counts["files"] == m["s3_files"] + m["export_files"]
    assert r.counts["skipped_offloads"] == m["offloaded_bodies"]
    assert r.counts["conflicts"] == 0
    assert r.problems_by_reason == {}
    assert (
        con.execute("SELECT count(*) FROM invocations WHERE request_id IS NULL").fetchone()[0] == 0
    )


def test_generator_is_deterministic(tmp_path):
    a = generate(300, tmp_path / "a", seed=3, per_file=100)
    b = generate(300, tmp_path / "b", seed=3, per_file=100)
    assert a == b
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.gz"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.gz"))
    assert files_a == files_b
    assert all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a
    )


def cli(db, sources, env_extra=None):
    env = os.environ | {"PYTHONPATH": str(REPO)} | (env_extra or {})
    cmd = [
        sys.executable,
        "-m",
        "reconciler",
        "--db",
        db,
        "ingest",
        "logs",
        "--batch-files",
        "4",
        *sources,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def snapshot(db):
    with duckdb.connect(db, read_only=True) as c:
        inv = c.execute(
            "SELECT * EXCLUDE (run_id) FROM invocations ORDER BY account_id, region, request_id"
        ).fetchall()
        ledger = c.execute(
            "SELECT source_uri, fingerprint, records, duplicates, quarantined FROM source_objects "
            "ORDER BY ALL"
        ).fetchall()
        dups = c.execute("SELECT * EXCLUDE (run_id) FROM duplicate_conflicts ORDER BY ALL")
        return inv, ledger, dups.fetchall()


@pytest.mark.slow
def test_sigkill_mid_ingest_then_rerun_equals_an_uninterrupted_run(tmp_path):
    data = tmp_path / "data"
    m = generate(3000, data, seed=5, per_file=100)  # 30 S3 files + 1 export: 8 batches of 4
    sources = [str(data / "AWSLogs"), str(data / "exportedlogs")]
    clean = str(tmp_path / "clean.duckdb")
    assert cli(clean, sources).returncode == 0

    crashed = str(tmp_path / "crashed.duckdb")
    # dies inside the 4th batch's transaction, after its records were inserted
    killed = cli(crashed, sources, {DIE_HOOK: "3"})
    assert killed.returncode == -signal.SIGKILL
    # nothing was published (there was no database before); the killed run's committed batches
    # wait in its private working copy, where the next writer continues
    assert not Path(crashed).exists()
    with duckdb.connect(crashed + ".work", read_only=True) as c:
        assert c.execute("SELECT count(*) FROM source_objects").fetchone() == (12,)  # 3 x 4
        assert c.execute("SELECT status FROM runs").fetchall() == [("running",)]
        partial = c.execute("SELECT count(*) FROM invocations").fetchone()[0]
    assert 0 < partial < m["unique_requests"]

    rerun = cli(crashed, sources)
    assert rerun.returncode == 0, rerun.stderr
    assert "skipped_already_loaded 12" in rerun.stderr
    assert snapshot(crashed) == snapshot(clean)
    with duckdb.connect(crashed, read_only=True) as c:
        assert c.execute("SELECT status FROM runs ORDER BY started_at").fetchall() == [
            ("abandoned",),
            ("ok",),
        ]
        assert totals(c)[:3] == (m["unique_requests"], m["input_tokens"], m["output_tokens"])
