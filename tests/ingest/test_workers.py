"""The fork server the ingest's workers come from (reconciler.ingest.workers), each case in a
fresh interpreter: the server is one per process, so a test process that started one already
would hide what these check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOGS = REPO / "fixtures" / "logs"


def _run(code: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=REPO
    ).stdout
    return dict(json.loads(out.splitlines()[-1]))


def test_a_fork_server_started_early_and_not_needed_is_stopped_at_once() -> None:
    # nothing new to read: the server must not outlive the command (it would hold its stdout)
    result = _run(
        """
import json, os
from multiprocessing import forkserver
from reconciler.ingest.workers import started_early
with started_early(2):
    pid = forkserver._forkserver._forkserver_pid
try:
    os.kill(pid, 0)
    alive = True
except ProcessLookupError:
    alive = False
print(json.dumps({"started": pid is not None, "alive_after": alive,
                  "forgotten": forkserver._forkserver._forkserver_pid is None}))
"""
    )
    assert result == {"started": True, "alive_after": False, "forgotten": True}


def test_the_pool_uses_the_fork_server_started_early_and_parses_every_file() -> None:
    result = _run(
        f"""
import json
from multiprocessing import forkserver
from reconciler.ingest.workers import started_early
from reconciler.ingest.reader import Reader
from reconciler.ingest.sources import expand_sources
objects = expand_sources([{str(LOGS)!r}]).objects
with started_early(2):
    pid = forkserver._forkserver._forkserver_pid
    with Reader(2) as reader:
        parsed = [p for _, p in reader.read(objects)]
    same = forkserver._forkserver._forkserver_pid == pid
print(json.dumps({{"same_server": same, "files": len(parsed),
                  "rows": sum(p.table.num_rows for p in parsed)}}))
"""
    )
    # fixtures/README.md: 13 log files, 33 parsed records (29 kept + 4 duplicates)
    assert result == {"same_server": True, "files": 13, "rows": 33}


def test_one_worker_starts_no_fork_server() -> None:
    result = _run(
        """
import json
from multiprocessing import forkserver
from reconciler.ingest.workers import started_early
with started_early(1):
    pid = forkserver._forkserver._forkserver_pid
print(json.dumps({"pid": pid}))
"""
    )
    assert result == {"pid": None}


_CLI_THEN_TRACKER = """
import json, sys
from multiprocessing import resource_tracker
from reconciler.cli import cli
try:
    cli.main(args={args!r}, prog_name="reconciler", standalone_mode=False)
except SystemExit:
    pass
# ensure_running() starts the resource tracker with the fork server; killing an unused server
# leaves the tracker, so a tracker shows that worker processes were started at all
print(json.dumps({{"started": resource_tracker._resource_tracker._pid is not None}}))
"""


def test_ingest_logs_of_an_empty_directory_starts_no_worker_processes(tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    args = ["--db", str(tmp_path / "r.duckdb"), "-q", "ingest", "logs", str(empty)]
    assert _run(_CLI_THEN_TRACKER.format(args=args)) == {"started": False}


def test_ingest_logs_of_enough_files_starts_them_before_opening_the_database(tmp_path) -> None:
    # 13 log files >= 4 per worker: the pool is needed, so its fork server starts early
    args = ["--db", str(tmp_path / "r.duckdb"), "-q", "ingest", "logs", str(LOGS)]
    assert _run(_CLI_THEN_TRACKER.format(args=args)) == {"started": True}


def test_a_fork_server_that_cannot_start_early_is_left_to_the_pool() -> None:
    # e.g. no room for its socket: the command goes on; the pool tries again only if needed
    result = _run(
        """
import json
from multiprocessing import forkserver
from reconciler.ingest.workers import started_early
def refuse():
    raise OSError(28, "No space left on device")
forkserver._forkserver.ensure_running = refuse
ran = False
with started_early(2):
    ran = True
print(json.dumps({"ran": ran, "pid": forkserver._forkserver._forkserver_pid}))
"""
    )
    assert result == {"ran": True, "pid": None}
