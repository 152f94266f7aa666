"""Progress on long ingests: `ingest invoice` per file, `ingest cloudwatch` per window and page,
`ingest metrics` per Region; drawn only on a TTY, by the CLI, never by the library itself."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from test_cloudwatch import GROUP, STREAM, TODAY, YESTERDAY, fixture_lines, ms, put

from reconciler.core.config import Settings
from reconciler.core.progress import Progress
from reconciler.core.quarantine import Problems
from reconciler.ingest import cloudwatch, invoices, load, metrics
from tests.support.stage import stage_ctx

ROOT = Path(__file__).resolve().parents[2]
INVOICES = ROOT / "fixtures" / "invoices"
DATA_FILES = sorted(  # one data file per export, found by hand in fixtures/invoices
    [
        "cur2_csv/bedrock-cur-csv/data/BILLING_PERIOD=2025-11/bedrock-cur-csv-00001.csv.gz",
        "cur2_parquet/bedrock-cur/data/BILLING_PERIOD=2025-11/bedrock-cur-00001.snappy.parquet",
        "focus10/bedrock-focus10/data/BILLING_PERIOD=2025-11/bedrock-focus10-00001.csv.gz",
        "focus12/bedrock-focus/data/BILLING_PERIOD=2025-11/bedrock-focus-00001.snappy.parquet",
    ]
)


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def frames(stream: io.StringIO) -> list[str]:
    """The successive progress lines drawn (padding that wipes a longer line removed)."""
    return [f.rstrip(" \n") for f in stream.getvalue().split("\r")[1:]]


def tty_progress(label: str, unit: str) -> tuple[Progress, FakeTTY]:
    stream = FakeTTY()
    clock = iter(range(100, 10_000))  # one second per reading: every call may draw
    return Progress(
        None, label, unit=unit, stream=stream, clock=lambda: next(clock), min_interval=0
    ), stream


def test_invoice_ingest_advances_per_file_with_its_size(con, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")  # unknown format: quarantined, still counted as done
    sources = [str(INVOICES / d) for d in ("cur2_csv", "cur2_parquet", "focus10", "focus12")]
    sizes = sum(os.path.getsize(INVOICES / f) for f in DATA_FILES) + os.path.getsize(bad)
    progress, stream = tty_progress("ingest invoice", "files")
    invoices.run(
        stage_ctx(con, "r1", settings=Settings(), progress=progress), sources=[*sources, str(bad)]
    )
    assert (progress.total, progress.done, progress.bytes_done) == (5, 5, sizes)
    drawn = frames(stream)
    assert [f.split(",")[0] for f in drawn] == [f"ingest invoice: {i}/5 files" for i in range(1, 6)]
    # unchanged files are counted as done without bytes: nothing was read
    again, _ = tty_progress("ingest invoice", "files")
    invoices.run(stage_ctx(con, "r2", settings=Settings(), progress=again), sources=sources)
    assert (again.total, again.done, again.bytes_done) == (4, 4, 0)


def test_cloudwatch_notes_pages_and_advances_per_window(aws, con):
    client = boto3.client("logs", region_name="us-east-1")
    client.create_log_group(logGroupName=GROUP)
    base = fixture_lines()[0]
    put(client, STREAM, [json.dumps(dict(base, requestId=f"p{i}")) for i in range(250)])
    put(client, "today", [json.dumps(dict(base, requestId="t0"))], t0_ms=ms(TODAY))
    progress, stream = tty_progress("ingest cloudwatch", "windows")
    result = cloudwatch.run(
        stage_ctx(con, "r1", problems=Problems(), progress=progress, client=client),
        log_group=GROUP,
        since=YESTERDAY,
        until=TODAY + timedelta(days=1),
        page_size=100,
    )
    progress.close()
    assert result.counts["events"] == 251
    y, t = YESTERDAY.date().isoformat(), TODAY.date().isoformat()
    assert frames(stream) == [
        f"ingest cloudwatch: 0/2 windows, {y}: 1 page, 100 events",
        f"ingest cloudwatch: 0/2 windows, {y}: 2 pages, 200 events",
        f"ingest cloudwatch: 0/2 windows, {y}: 3 pages, 250 events",
        f"ingest cloudwatch: 1/2 windows, {y}: 3 pages, 250 events",
        f"ingest cloudwatch: 1/2 windows, {t}: 1 page, 1 event",
        f"ingest cloudwatch: 2/2 windows, {t}: 1 page, 1 event",
        "ingest cloudwatch: 2/2 windows",
        "ingest cloudwatch: 2/2 windows",  # close(): the final figures, then a newline
    ]
    assert stream.getvalue().endswith("\n")


@pytest.fixture
def metrics_aws(aws_env):
    from moto import mock_aws

    with mock_aws():
        yield


def test_metrics_advance_per_region_and_the_library_never_draws_by_itself(
    metrics_aws, con, monkeypatch
):
    window = {"since": YESTERDAY, "until": TODAY, "model_ids": ["amazon.nova-micro-v1:0"]}
    progress, stream = tty_progress("ingest metrics", "regions")
    metrics.run(
        stage_ctx(con, "r1", progress=progress), regions=["us-east-1", "eu-west-1"], **window
    )
    assert frames(stream) == [
        "ingest metrics: 0/2 regions, querying us-east-1",
        "ingest metrics: 1/2 regions, querying us-east-1",
        "ingest metrics: 1/2 regions, querying eu-west-1",
        "ingest metrics: 2/2 regions, querying eu-west-1",
        "ingest metrics: 2/2 regions",
    ]
    terminal = FakeTTY()
    monkeypatch.setattr(sys, "stderr", terminal)
    metrics.run(stage_ctx(con, "r2"), regions=["us-east-1"], **window)  # no progress argument
    assert terminal.getvalue() == ""


def _cli(args):
    from reconciler.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code


@pytest.mark.parametrize(
    ("stream", "flags", "drawn"),
    [
        (FakeTTY(), [], True),
        (FakeTTY(), ["--quiet"], False),  # no progress either
        (FakeTTY(), ["--log-format", "json"], False),  # stderr stays one JSON object a line
        (io.StringIO(), [], False),  # not a terminal (cron, CI, a pipe)
    ],
)
def test_cli_invoice_draws_only_on_a_tty(tmp_path, monkeypatch, capsys, stream, flags, drawn):
    monkeypatch.setattr("reconciler.cli._common._stderr", lambda: stream)
    args = ["--db", str(tmp_path / "r.duckdb"), *flags]
    assert _cli([*args, "ingest", "invoice", str(INVOICES / "focus12")]) == 0
    text = stream.getvalue()
    if drawn:
        assert text.startswith("\ringest invoice: 1/1 files, ")
        assert text.endswith(" MB/s\n")
    else:
        assert text == ""
    assert "\r" not in capsys.readouterr().err  # the summary stream never gets progress


def test_cli_ingest_cloudwatch_draws_windows_on_a_tty(aws, tmp_path, monkeypatch):
    client = boto3.client("logs", region_name="us-east-1")
    client.create_log_group(logGroupName=GROUP)
    put(client, STREAM, [json.dumps(line) for line in fixture_lines()])
    stream = FakeTTY()
    monkeypatch.setattr("reconciler.cli._common._stderr", lambda: stream)
    start, end = YESTERDAY.date().isoformat(), TODAY.date().isoformat()
    args = ["--db", str(tmp_path / "r.duckdb"), "ingest", "cloudwatch", "--log-group", GROUP]
    assert _cli([*args, "--start", start, "--end", end, "--region", "us-east-1"]) == 0
    assert frames(stream)[-1] == "ingest cloudwatch: 2/2 windows"
    assert stream.getvalue().endswith("\n")


@pytest.mark.skipif(sys.platform != "linux", reason="pty semantics checked on Linux only")
def test_real_terminal_end_to_end(tmp_path):
    """A real pseudo-terminal on stderr (as an operator's shell has): the progress line is
    drawn there and ended before the run summary; stdout (data) never sees it."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    db = str(tmp_path / "r.duckdb")
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", "--db", db, "ingest", "invoice", "--json",
         str(INVOICES / "focus12")],
        stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120, check=False,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO once the terminal is drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    terminal = b"".join(chunks).decode()
    assert proc.returncode == 0
    assert "\ringest invoice: 1/1 files, " in terminal
    assert " MB/s\r\n" in terminal  # the line is ended (the tty maps \n to \r\n)
    assert b"\r" not in proc.stdout
    assert json.loads(proc.stdout)["stages"][0]["stage"] == "ingest invoice"


def test_log_ingest_advances_per_file_with_its_size(con):
    # fixtures/README.md: 13 log files are read (the data/ offload and 2 markers are skipped)
    logs = ROOT / "fixtures" / "logs"
    read = [
        p
        for p in logs.rglob("*")
        if p.is_file()
        and "/data/" not in p.as_posix()
        and "write-test" not in p.name
        and "permission-check" not in p.name
        and p.suffix in (".gz", ".json")
    ]
    assert len(read) == 13
    progress, stream = tty_progress("ingest logs", "files")
    load.run(
        stage_ctx(con, "r1", problems=Problems(), progress=progress), sources=[str(logs)], workers=1
    )
    assert (progress.total, progress.done) == (13, 13)
    assert progress.bytes_done == sum(p.stat().st_size for p in read)
    assert frames(stream)[-1].startswith("ingest logs: 13/13 files")
