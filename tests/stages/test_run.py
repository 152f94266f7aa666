"""`reconciler run`: window flags, exit codes, JSON summary and the single-writer lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.recon import ACCT, D, line

from reconciler.cli import main
from reconciler.db import connect, migrate

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """`run` writes report files to ./reports by default: keep them out of the repository."""
    monkeypatch.chdir(tmp_path)


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def logged(con, *, day="2025-11-03", tokens=1_000_000, team="a"):
    """One Nova Micro request in us-east-1 (bundled price $0.035 per 1M input tokens)."""
    con.execute(
        "INSERT INTO invocation_records (request_id, account_id, region, event_time, "
        "identity_arn, operation, model_id, input_tokens, output_tokens, "
        "cache_read_input_tokens, cache_write_input_tokens, request_metadata, source_uri, "
        "line_number, run_id) VALUES (uuid()::VARCHAR, $acct, 'us-east-1', "
        "CAST($day AS TIMESTAMP) + INTERVAL 14 HOUR, 'arn:aws:iam::111122223333:user/u', "
        "'Converse', 'amazon.nova-micro-v1:0', $tokens, 0, 0, 0, MAP {'team': $team}, "
        "'test', 1, 'seed')",
        {"day": str(day), "tokens": tokens, "team": team, "acct": ACCT},
    )


def seeded_db(tmp_path, *, gap=True):
    db = str(tmp_path / "r.duckdb")
    con = connect(db)
    migrate(con)
    logged(con)
    line(con, quantity="1000", cost="0.035")
    if gap:
        line(con, quantity="500", cost="0.07", charge="output_tokens")  # unlogged: a gap
    con.close()
    return db


def test_run_with_a_gap_exits_1_and_prints_json(tmp_path, capsys):
    db = seeded_db(tmp_path)
    code, out, _ = run_cli(["--db", db, "run", "--date", "2025-11-03", "--json"], capsys)
    assert code == 1
    summary = json.loads(out)
    assert (summary["status"], summary["exit_code"], summary["findings"]) == ("findings", 1, 1)
    stages = {s["stage"]: s for s in summary["stages"]}
    assert stages["reconcile"]["counts"] == {"exact": 1, "unlogged_usage": 1}
    # 0.035 + 0.07 = 0.105, rounded half-up to the cent like the AWS invoice (half-even: 0.10)
    assert stages["allocate"]["amounts"]["allocated_usd"] == "0.11"
    con = connect(db, read_only=True)
    assert con.execute("SELECT status, exit_code FROM runs").fetchall() == [("findings", 1)]
    con.close()


def test_run_without_gaps_exits_0_and_reruns_do_not_double_count(tmp_path, capsys):
    db = seeded_db(tmp_path, gap=False)
    for _ in range(2):
        code, _, err = run_cli(
            ["--db", db, "run", "--start", "2025-11-01", "--end", "2025-11-30"], capsys
        )
        assert code == 0
        assert ": ok, exit 0" in err
    con = connect(db, read_only=True)
    assert con.execute("SELECT sum(allocated_usd) FROM allocated_spend").fetchone()[0] == D("0.04")
    assert con.execute("SELECT count(*) FROM reconciliation").fetchone()[0] == 1
    con.close()


def test_default_window_is_yesterday_utc(tmp_path, capsys):
    db = str(tmp_path / "r.duckdb")
    con = connect(db)
    migrate(con)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    logged(con, day=yesterday)  # unbilled: a finding, only if in window
    logged(con, day=yesterday - timedelta(days=1))
    con.close()
    code, out, _ = run_cli(["--db", db, "run", "--json"], capsys)
    assert code == 1
    stages = {s["stage"]: s for s in json.loads(out)["stages"]}
    assert stages["reconcile"]["rows_out"] == 1


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--date", "2025-11-03", "--start", "2025-11-01"], "give either --date or --start/--end"),
        (["--start", "2025-11-01"], "--start and --end go together"),
        (["--start", "2025-11-05", "--end", "2025-11-01"], "is after --end 2025-11-01"),
        (["--date", "03/11/2025"], "Invalid value for '--date'"),
    ],
)
def test_bad_windows_are_usage_errors(tmp_path, capsys, flags, message):
    code, _, err = run_cli(["--db", str(tmp_path / "r.duckdb"), "run", *flags], capsys)
    assert code == 2
    assert message in err


def test_configured_log_sources_are_ingested_by_run(tmp_path, capsys):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.json").write_text(
        json.dumps(
            {
                "schemaType": "ModelInvocationLog",
                "schemaVersion": "1.0",
                "timestamp": "2025-11-03T14:00:00Z",
                "accountId": ACCT,
                "identity": {"arn": "arn:aws:iam::123456789012:user/u"},
                "region": "us-east-1",
                "requestId": "r-1",
                "operation": "Converse",
                "modelId": "amazon.nova-micro-v1:0",
                "input": {"inputTokenCount": 1_000_000},
                "output": {"outputTokenCount": 0},
                "requestMetadata": {"team": "a"},
            }
        )
        + "\n"
    )
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text(f'[sources]\nlogs = ["{logs}"]\nworkers = 1\n')
    db = str(tmp_path / "r.duckdb")
    for _ in range(2):  # the second run skips the loaded file: nothing doubles
        code, _out, _ = run_cli(
            ["--db", db, "--config", str(cfg), "run", "--date", "2025-11-03", "--json"], capsys
        )
        assert code == 1  # logged but not billed: unbilled_usage
    con = connect(db, read_only=True)
    # 1,000,000 Nova Micro input tokens x $0.035 per 1M (bundled us-east-1 price)
    assert con.execute("SELECT sum(cost_usd) FROM spend").fetchone()[0] == D("0.035")
    assert con.execute("SELECT count(*) FROM invocations").fetchone()[0] == 1
    con.close()


SLOW_RUN = """
import os, sys, time
import reconciler.stages.pipeline as pipeline
real = pipeline.run_window
def slow(run, settings, start, end):
    print("holding", flush=True)
    release = sys.argv[2] + ".release"  # held until the test says so (60 s at most)
    deadline = time.monotonic() + 60
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.05)
    return real(run, settings, start, end)
pipeline.run_window = slow
import reconciler.cli.run as run_cmd
run_cmd.run_window = slow
from reconciler.cli import main
main(["--db", sys.argv[1], "run", "--date", "2025-11-03"])
"""


@pytest.mark.slow
def test_two_concurrent_runs_one_completes_the_other_exits_3(tmp_path):
    db = seeded_db(tmp_path, gap=False)
    env = os.environ | {"PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, db, db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as first:
        assert first.stdout is not None
        assert first.stdout.readline().strip() == "holding"  # lock taken, run in progress
        lock = json.loads(Path(f"{db}.lock").read_text())
        second = subprocess.run(
            [sys.executable, "-m", "reconciler", "--db", db, "run", "--date", "2025-11-03"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        # refused at once, not queued behind the first: the first still holds the lock (it waits
        # for the release file), so the second cannot have waited for it to finish
        assert first.poll() is None
        Path(f"{db}.release").touch()
        _, first_err = first.communicate(timeout=60)
    assert first.returncode == 0, first_err
    assert second.returncode == 3
    assert second.stderr.count("\n") == 1
    assert second.stderr.startswith(
        f"reconciler: error: database {db} is being written by another run "
        f"(run {lock['run_id']}, `run`, pid {first.pid}, started "
    )
    con = connect(db, read_only=True)
    assert con.execute("SELECT run_id, status, exit_code FROM runs").fetchall() == [
        (lock["run_id"], "ok", 0)
    ]
    assert con.execute("SELECT cause, delta_usd FROM reconciliation").fetchall() == [(None, D(0))]
    con.close()


def test_run_writes_the_window_reports(tmp_path, capsys):
    db = seeded_db(tmp_path)
    code, _, err = run_cli(["--db", db, "run", "--date", "2025-11-03"], capsys)
    assert code == 1
    out = tmp_path / "reports"
    assert sorted(p.name for p in out.iterdir()) == [
        "chargeback-2025-11-03_2025-11-03.csv",
        "chargeback-2025-11-03_2025-11-03.md",
        "gaps-2025-11-03_2025-11-03.csv",
        "report-2025-11-03_2025-11-03.html",
        "spend-2025-11-03_2025-11-03.csv",
        "spend-2025-11-03_2025-11-03.md",
    ]
    gaps = (out / "gaps-2025-11-03_2025-11-03.csv").read_text().splitlines()
    assert gaps[0].startswith("usage_date,account_id,region,base_model,")
    # the one gap: 500 unlogged output K-tokens billed at $0.07, nothing rated
    assert len(gaps) == 2
    # rated $0 in positional notation (a zero DECIMAL(38, 12) is 0E-12 to Python's str)
    amounts = ",0,500000.000000000000,0.000000000000,0.070000000000,0.070000000000,"
    assert amounts + "unlogged_usage," in gaps[1]
    # the chargeback of November: 1M input tokens billed $0.035 to team a (rounded 0.04 by
    # largest remainder: 0.035 + 0.07 = 0.105 -> 0.11), the unlogged $0.07 to unattributed
    charge = (out / "chargeback-2025-11-03_2025-11-03.csv").read_text().splitlines()
    assert charge[0].startswith("billing_period,team,application,amount_usd,usage_usd,")
    assert charge[1].startswith("2025-11-01,unattributed,unattributed,0.07,0.00,")
    assert charge[2].startswith("2025-11-01,a,unattributed,0.04,0.04,")
    spend = (out / "spend-2025-11-03_2025-11-03.csv").read_text()
    assert "0.035000000000" in spend  # 1M Nova Micro input tokens x $0.035 per 1M
    assert "reports: 0 in, 6 out" in err
    assert "E-1" not in err  # amounts in the run summary: 0.000000000000, never 0E-12
    code, _, _ = run_cli(["--db", db, "run", "--date", "2025-11-03", "--no-reports"], capsys)
    assert code == 1
    assert len(list(out.iterdir())) == 6  # overwritten in place, never accumulated


def test_run_summary_never_prints_exponent_notation():
    from reconciler.db.runs import RunSummary, StageResult

    zero = D("0.000000000000") - D("0.000000000000")
    assert str(zero) == "0E-12"  # what Python's str does with a zero DECIMAL(38, 12) difference
    stage = StageResult("reconcile", amounts={"gap_usd": str(zero), "dir": "reports/E1"})
    assert stage.asstr() == "reconcile: 0 in, 0 out; gap_usd 0.000000000000; dir reports/E1; 0.00s"
    summary = RunSummary("r", "run", [stage]).asdict()
    assert summary["stages"][0]["amounts"] == {"gap_usd": "0.000000000000", "dir": "reports/E1"}
