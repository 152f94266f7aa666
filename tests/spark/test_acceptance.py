"""Acceptance: a small estate written here, ingested through the Spark route, checked against
figures worked out by hand (not by the local route): facts, quarantine, conflicts, manifest,
spend at the bundled list prices; loading twice changes nothing; logs ingested both ways never
count twice; the command line's exit codes."""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.spark_routes import cli, rows

from reconciler.core.config import Settings
from reconciler.spark.__main__ import main as spark_main
from reconciler.spark.job import run_job

ACCT = "111122223333"
MICRO, HAIKU = "amazon.nova-micro-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0"
M = D("0.000001")  # bundled list prices below are USD per 1M tokens


def record(rid: str, ts: str, model: str, tokens_in: int, tokens_out: int, **meta: str) -> str:
    return json.dumps(
        {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": ts,
            "accountId": ACCT,
            "region": "us-east-1",
            "requestId": rid,
            "operation": "Converse",
            "modelId": model,
            "identity": {"arn": f"arn:aws:sts::{ACCT}:assumed-role/app/s"},
            "input": {"inputTokenCount": tokens_in, "inputBodyJson": {"messages": "secret"}},
            "output": {"outputTokenCount": tokens_out},
            "requestMetadata": meta,
        }
    )


R1 = record("r1", "2025-11-03T10:05:00Z", MICRO, 1000, 200, team="alpha", app="chat")
R2 = record("r2", "2025-11-03T10:40:00Z", MICRO, 500, 0, team="beta")
R2_OTHER = record("r2", "2025-11-03T10:40:00Z", MICRO, 500, 5, team="beta")
R3 = record("r3", "2025-11-03T11:30:00Z", HAIKU, 100, 50, team="alpha", app="chat")


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One S3 delivery file (r1, a bad line, r2) and one CloudWatch export (r1 again, r2 with
    other counts, r3)."""
    root = tmp_path_factory.mktemp("estate") / "logs"
    s3 = root / f"AWSLogs/{ACCT}/BedrockModelInvocationLogs/us-east-1/2025/11/03/10"
    s3.mkdir(parents=True)
    (s3 / "a.json.gz").write_bytes(gzip.compress(f"{R1}\nnot json at all\n{R2}\n".encode()))
    cw = root / "exportedlogs/e1/aws-bedrock-modelinvocations"
    cw.mkdir(parents=True)
    lines = [f"2025-11-03T10:05:00.000Z {R1}", f"2025-11-03T10:40:00.000Z {R2_OTHER}"]
    lines.append(f"2025-11-03T11:30:00.000Z {R3}")
    (cw / "000000.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return root


@pytest.fixture(scope="module")
def job(spark, estate, tmp_path_factory):
    """The job run once on the estate (default settings): (summary, output directory)."""
    out = tmp_path_factory.mktemp("job") / "out"
    return run_job(spark, [str(estate)], str(out), Settings()), out


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_job_output_has_the_hand_worked_figures(job, estate):
    summary, out = job
    a = str(next(estate.rglob("a.json.gz")))
    cw = str(next(estate.rglob("000000.gz")))
    assert (summary.files, summary.records, summary.duplicates) == (2, 3, 2)
    assert (summary.quarantined, summary.conflicts) == (1, 1)
    facts = pq.read_table(out / "facts").to_pylist()
    got = sorted(
        (f["hour"].hour, f["base_model"], f["charge"], f["team"], f["application"], f["quantity"])
        for f in facts
    )
    assert got == sorted(
        [
            (10, MICRO, "input_tokens", "alpha", "chat", 1000),
            (10, MICRO, "output_tokens", "alpha", "chat", 200),
            (10, MICRO, "input_tokens", "beta", "unattributed", 500),
            (11, HAIKU, "input_tokens", "alpha", "chat", 100),
            (11, HAIKU, "output_tokens", "alpha", "chat", 50),
        ]
    )
    assert {(f["routing"], f["tier"], f["mode"]) for f in facts} == {
        ("in_region", "standard", "on_demand")
    }
    quarantine = pq.read_table(out / "quarantine").to_pylist()
    assert [(q["source_uri"], q["line_number"], q["reason"]) for q in quarantine] == [
        (a, 2, "not_json")
    ]
    conflicts = pq.read_table(out / "duplicate_conflicts").to_pylist()
    assert [
        (
            c["request_id"],
            c["kept_source_uri"],
            c["kept_line_number"],
            c["dup_source_uri"],
            c["dup_line_number"],
            c["detail"],
        )
        for c in conflicts
    ] == [("r2", a, 3, cw, 2, "output_tokens 0 != 5")]
    manifest = {m["source_uri"]: m for m in pq.read_table(out / "manifest").to_pylist()}
    assert {k: (m["records"], m["duplicates"], m["quarantined"]) for k, m in manifest.items()} == {
        a: (2, 0, 1),
        cw: (1, 2, 0),
    }
    assert manifest[a]["kind"] == "s3_delivery"
    assert manifest[cw]["kind"] == "cloudwatch_export"
    for part in ("facts", "quarantine", "duplicate_conflicts", "manifest"):
        for path in (out / part).glob("*.parquet"):
            assert b"secret" not in path.read_bytes()  # no body text in any output


def test_ingest_facts_then_run_prices_and_is_idempotent(job, tmp_path):
    out, db = job[1], str(tmp_path / "r.duckdb")
    assert cli("--db", db, "ingest", "facts", str(out)) == 1  # quarantine + conflict
    assert cli("--db", db, "ingest", "facts", str(out)) == 0  # already loaded: nothing new
    assert cli("--db", db, "run", "--date", "2025-11-03") == 1  # no invoice: unbilled usage
    assert rows(db, "SELECT count(*) FROM quarantine") == [(1,)]
    assert rows(db, "SELECT count(*) FROM duplicate_conflicts") == [(1,)]
    assert rows(db, "SELECT count(*), sum(records), sum(duplicates) FROM source_objects") == [
        (2, 3, 2)
    ]
    spend = rows(
        db,
        "SELECT team, base_model, sum(cost_usd) FROM spend WHERE priced GROUP BY ALL ORDER BY ALL",
    )
    # Nova Micro us-east-1: $0.035 in, $0.14 out; Claude Haiku 4.5 in-region: $1.10 in, $5.50 out
    assert spend == sorted(
        [
            ("alpha", MICRO, 1000 * D("0.035") * M + 200 * D("0.14") * M),
            ("alpha", HAIKU, 100 * D("1.1") * M + 50 * D("5.5") * M),
            ("beta", MICRO, 500 * D("0.035") * M),
        ]
    )
    assert rows(db, "SELECT count(*) FROM invocations") == [(0,)]  # per-request rows: local only


def test_logs_ingested_both_ways_count_once(job, estate, tmp_path):
    out, db = job[1], str(tmp_path / "r.duckdb")
    assert cli("--db", db, "ingest", "logs", "--workers", "1", str(estate)) == 1
    assert cli("--db", db, "ingest", "facts", str(out)) == 0  # every object already in the ledger
    cli("--db", db, "run", "--date", "2025-11-03")
    assert rows(db, "SELECT charge, sum(quantity) FROM usage_hourly GROUP BY ALL ORDER BY ALL") == [
        ("input_tokens", 1600),
        ("output_tokens", 250),
    ]
    assert rows(db, "SELECT count(*) FROM quarantine") == [(1,)]


def test_command_line_exit_codes(spark, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert spark_main(["--output", str(tmp_path / "o"), str(empty)]) == 1  # nothing to read
    assert "nothing to read" in capsys.readouterr().err
    assert cli("--db", str(tmp_path / "r.duckdb"), "ingest", "facts", str(tmp_path / "o")) == 0
    assert spark_main(["--output", str(tmp_path / "o"), "--conf", "oops", str(empty)]) == 2
    assert spark_main(["--output", str(tmp_path / "o"), str(tmp_path / "missing")]) == 2
    assert cli("--db", str(tmp_path / "r.duckdb"), "ingest", "facts", str(empty)) == 2
    assert "_SUCCESS" in capsys.readouterr().err


def test_window_keeps_other_days_requests_out_of_the_facts(spark, estate, tmp_path):
    out = tmp_path / "out"
    day = date(2025, 11, 4)  # every request of the estate is on 2025-11-03
    summary = run_job(spark, [str(estate)], str(out), Settings(), (day, day))
    assert (summary.records, summary.duplicates, summary.outside_window) == (3, 2, 3)
    assert pq.read_table(out / "facts").num_rows == 0
    assert (summary.quarantined, summary.conflicts) == (1, 1)  # still read and checked
    bad = ["--output", str(out), "--start", "2025-11-04", str(estate)]
    assert spark_main(bad) == 2  # --start without --end
