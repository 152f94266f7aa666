"""The ``--db`` path is always readable: readers open it ``read_only`` while a real ``ingest``
writes, and see the state before or after it, never an error or a partial load; a SIGKILLed
writer leaves the file byte-identical; a command that changed nothing publishes nothing."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import reconciler.core.aws

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate_logs import generate

from reconciler.core.errors import DatabaseLocked
from reconciler.db.publish import open_working_copy
from reconciler.db.runs import Run
from reconciler.ingest.load import DIE_HOOK
from tests.support.stage import per_region

REPO = Path(__file__).resolve().parents[2]

# The real CLI, paused for a moment just before it publishes (all its batches are committed in
# its private copy by then), so that the readers certainly overlap a finished-but-unpublished
# write as well as the ingest itself.
PAUSED_INGEST = """
import sys, time
from reconciler.db import publish
real = publish.WorkingCopy.publish
def paused(self):
    print("publishing", flush=True)
    time.sleep(float(sys.argv[2]))
    real(self)
publish.WorkingCopy.publish = paused
from reconciler.cli import main
main(["--db", sys.argv[1], "ingest", "logs", "--batch-files", "1", "--workers", "1", *sys.argv[3:]])
"""


def env() -> dict[str, str]:
    return os.environ | {"PYTHONPATH": str(REPO)}


def ingest(db: str, sources: list[str], extra: dict[str, str] | None = None):
    cmd = [sys.executable, "-m", "reconciler", "--db", db, "ingest", "logs", "--batch-files", "1"]
    return subprocess.run(
        [*cmd, *sources], capture_output=True, text=True, env=env() | (extra or {}), timeout=180
    )


def state(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int, int]:
    """Records, source objects, input tokens and finished runs: a partial load would show as a
    combination that is neither the state before nor after."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM invocations), (SELECT count(*) FROM source_objects), "
        "(SELECT coalesce(sum(input_tokens), 0) FROM invocations), "
        "(SELECT count(*) FROM runs WHERE status = 'ok')"
    ).fetchone()
    assert row is not None
    return (int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def sources(m_dir: Path) -> list[str]:
    return [str(m_dir / "AWSLogs"), str(m_dir / "exportedlogs")]


def sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def two_sets(tmp_path_factory):
    root = tmp_path_factory.mktemp("sets")
    a = generate(300, root / "a", seed=21, per_file=50)
    b = generate(1200, root / "b", seed=22, per_file=50)
    return root / "a", a, root / "b", b


@pytest.mark.slow
def test_readers_open_the_db_at_any_time_during_a_real_ingest(tmp_path, two_sets):
    dir_a, a, dir_b, b = two_sets
    db = str(tmp_path / "r.duckdb")
    assert ingest(db, sources(dir_a)).returncode == 0
    files_a = a["s3_files"] + a["export_files"]
    files_b = b["s3_files"] + b["export_files"]
    # independent route: the generator's manifest
    before = (a["unique_requests"], files_a, a["input_tokens"], 1)
    after = (
        a["unique_requests"] + b["unique_requests"],
        files_a + files_b,
        a["input_tokens"] + b["input_tokens"],
        2,
    )
    with duckdb.connect(db, read_only=True) as con:
        assert state(con) == before

    seen: list[tuple[int, int, int, int]] = []
    seen_while_paused: list[tuple[int, int, int, int]] = []
    errors: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-c", PAUSED_INGEST, db, "1.5", *sources(dir_b)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    ) as writer:
        assert writer.stdout is not None
        os.set_blocking(writer.stdout.fileno(), False)
        paused = False
        while writer.poll() is None:
            paused = paused or "publishing" in (writer.stdout.readline() or "")
            try:
                with duckdb.connect(db, read_only=True) as con:
                    got = state(con)
            except duckdb.Error as exc:  # the failure this test exists for
                errors.append(str(exc))
                continue
            seen.append(got)
            if paused and writer.poll() is None:
                seen_while_paused.append(got)
        _, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert errors == []
    assert set(seen) <= {before, after}
    assert len(seen) >= 10
    assert before in seen_while_paused  # every batch committed, not yet published: still before
    with duckdb.connect(db, read_only=True) as con:
        assert state(con) == after
    assert not Path(db + ".wal").exists()  # the published file stands alone: a copy is complete


@pytest.mark.slow
def test_a_sigkilled_writer_leaves_the_published_file_byte_identical(tmp_path, two_sets):
    dir_a, a, dir_b, b = two_sets
    db = str(tmp_path / "r.duckdb")
    assert ingest(db, sources(dir_a)).returncode == 0
    digest, stat = sha(db), os.stat(db)
    killed = ingest(db, sources(dir_b), {DIE_HOOK: "3"})  # dies inside its 4th batch
    assert killed.returncode == -signal.SIGKILL
    assert sha(db) == digest
    assert os.stat(db).st_ino == stat.st_ino
    assert not Path(db + ".wal").exists()
    with duckdb.connect(db, read_only=True) as con:
        assert state(con)[:3] == (
            a["unique_requests"],
            a["s3_files"] + a["export_files"],
            a["input_tokens"],
        )
    rerun = ingest(db, sources(dir_b))  # continues from the killed run's committed batches
    assert rerun.returncode == 0, rerun.stderr
    assert "skipped_already_loaded 3" in rerun.stderr
    with duckdb.connect(db, read_only=True) as con:
        assert state(con)[:3] == (
            a["unique_requests"] + b["unique_requests"],
            a["s3_files"] + a["export_files"] + b["s3_files"] + b["export_files"],
            a["input_tokens"] + b["input_tokens"],
        )
        assert con.execute("SELECT status FROM runs ORDER BY started_at").fetchall() == [
            ("ok",),
            ("abandoned",),
            ("ok",),
        ]


def test_a_command_that_changed_nothing_publishes_nothing(tmp_path, two_sets):
    dir_a, a, _, _ = two_sets
    db = str(tmp_path / "r.duckdb")
    assert ingest(db, sources(dir_a)).returncode == 0
    digest, mtime = sha(db), os.stat(db).st_mtime_ns
    again = ingest(db, sources(dir_a))  # every object already loaded
    assert again.returncode == 0, again.stderr
    assert f"skipped_already_loaded {a['s3_files'] + a['export_files']}" in again.stderr
    assert (sha(db), os.stat(db).st_mtime_ns) == (digest, mtime)
    # its ledger row is kept and published with the next change
    with duckdb.connect(db + ".work", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (2,)


def test_a_wal_left_beside_the_published_file_is_folded_in_first(tmp_path):
    db = str(tmp_path / "r.duckdb")
    code = (
        "import duckdb, os; c = duckdb.connect(os.environ['DB']); "
        "c.execute('CREATE TABLE t AS SELECT 42 AS x'); c.execute('CHECKPOINT'); "
        "c.execute('INSERT INTO t VALUES (43)'); os.kill(os.getpid(), 9)"
    )
    subprocess.run([sys.executable, "-c", code], env=env() | {"DB": db}, check=False)
    assert Path(db + ".wal").exists()  # a killed read-write session of another tool
    work = open_working_copy(db)
    assert not Path(db + ".wal").exists()
    with duckdb.connect(str(work.work), read_only=True) as con:
        assert con.execute("SELECT sum(x) FROM t").fetchone() == (85,)


def test_a_change_behind_the_lock_is_not_overwritten(tmp_path):
    db = str(tmp_path / "r.duckdb")
    with duckdb.connect(db) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    work = open_working_copy(db)
    with duckdb.connect(str(work.work)) as con:
        con.execute("INSERT INTO t VALUES (2)")
    time.sleep(0.01)
    with duckdb.connect(db) as con:  # someone writes the published file outside reconciler
        con.execute("INSERT INTO t VALUES (100)")
    with pytest.raises(DatabaseLocked, match="changed by another process"):
        work.publish()
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT sum(x) FROM t").fetchone() == (101,)
    # the next writer starts again from the published file, with the outside change
    again = open_working_copy(db)
    with duckdb.connect(str(again.work), read_only=True) as con:
        assert con.execute("SELECT sum(x) FROM t").fetchone() == (101,)


def test_a_nightly_run_with_nothing_new_publishes_nothing(tmp_path, capsys, monkeypatch):
    from stages.test_run import logged, run_cli, seeded_db

    monkeypatch.chdir(tmp_path)
    db = seeded_db(tmp_path)
    # an application inference profile that cannot be looked up: retried (and still unresolved
    # the same way) on every run, which must not count as a change
    with duckdb.connect(db) as con:
        con.execute(
            "UPDATE invocation_records SET model_id = 'arn:aws:bedrock:us-east-1:111122223333:"
            "application-inference-profile/zz9'"
        )

    def unreachable(region: str) -> object:
        from botocore.exceptions import EndpointConnectionError

        raise EndpointConnectionError(endpoint_url=f"https://bedrock.{region}.amazonaws.com")

    monkeypatch.setattr(reconciler.core.aws, "client", per_region(unreachable))
    args = ["--db", db, "-q", "run", "--date", "2025-11-03", "--no-reports"]
    assert run_cli(args, capsys)[0] == 1  # unpriced usage: a finding
    digest, mtime = sha(db), os.stat(db).st_mtime_ns
    assert run_cli(args, capsys)[0] == 1  # same findings, nothing new
    assert (sha(db), os.stat(db).st_mtime_ns) == (digest, mtime)
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)
        assert con.execute("SELECT resolution FROM model_ids").fetchall() == [
            ("unresolved:aip_lookup_failed",)
        ]
    with Run(db, "ingest logs") as writer:  # a new record, through a writing command
        logged(writer.con, tokens=5)
    assert run_cli(args, capsys)[0] == 1
    assert sha(db) != digest
    with duckdb.connect(db, read_only=True) as con:  # the no-op's ledger row came with it
        assert con.execute("SELECT command FROM runs ORDER BY started_at").fetchall() == [
            ("run",),
            ("run",),
            ("ingest logs",),
            ("run",),
        ]


def test_no_room_for_the_working_copy_is_an_environment_error(tmp_path, monkeypatch):
    import errno

    from reconciler.core.errors import FileSystemError, exit_code_for
    from reconciler.db import publish

    db = str(tmp_path / "r.duckdb")
    duckdb.connect(db).close()

    def full(src: Path, dst: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(publish, "_copy", full)
    with pytest.raises(FileSystemError) as exc:
        open_working_copy(db)
    assert str(exc.value).startswith(f"cannot make the working copy {db}.work: ")
    assert exit_code_for(exc.value) == 2
