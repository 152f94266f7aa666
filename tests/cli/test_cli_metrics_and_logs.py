"""`ingest metrics` through the CLI (moto), coverage end to end, and --log-format json."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import boto3
import duckdb
import pytest
from moto import mock_aws

from reconciler.cli import main
from reconciler.core.logfmt import JsonFormatter

NOVA = "amazon.nova-micro-v1:0"
T0 = datetime(2025, 11, 3, 13, 0, tzinfo=UTC)


@pytest.fixture
def aws(monkeypatch):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    for k in ("AWS_ENDPOINT_URL", "RECONCILER_CONFIG", "RECONCILER_LOG_FORMAT"):
        monkeypatch.delenv(k, raising=False)
    with mock_aws():
        yield


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def put(metric, when, value, model=NOVA):
    boto3.client("cloudwatch", region_name="us-east-1").put_metric_data(
        Namespace="AWS/Bedrock",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "ModelId", "Value": model}],
                "Timestamp": when,
                "Value": value,
            }
        ],
    )


def test_ingest_metrics_cli_then_coverage(aws, capsys, tmp_path):
    db = str(tmp_path / "r.duckdb")
    put("InputTokenCount", T0 + timedelta(minutes=3), 800)
    put("OutputTokenCount", T0 + timedelta(minutes=3), 200)
    put("InputTokenCount", T0 + timedelta(hours=1, minutes=3), 40)
    args = ["--db", db, "ingest", "metrics", "--start", "2025-11-03T13:00Z"]
    code, out, err = run_cli([*args, "--end", "2025-11-03T15:00Z"], capsys)
    assert code == 0, err
    assert out == ""
    assert "ingest metrics: 3 in, 3 out" in err
    # a rerun of the same window replaces, never adds
    code, _, _ = run_cli([*args, "--end", "2025-11-03T15:00Z", "--json"], capsys)
    assert code == 0
    con = duckdb.connect(db)
    # logs for hour 13 only: 600 + 150 of the metric's 1000 tokens; hour 14 has none
    con.execute(
        "INSERT INTO invocation_records (request_id, account_id, region, event_time, model_id, "
        "input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens, "
        "source_uri, line_number, run_id) VALUES "
        "('r1', '123456789012', 'us-east-1', TIMESTAMP '2025-11-03 13:10:00', $m, 600, 150, "
        "0, 0, 'f', 1, 'x')",
        {"m": NOVA},
    )
    got = con.execute(
        "SELECT hour::VARCHAR, metric_tokens, logged_tokens, coverage_pct::VARCHAR, missing "
        "FROM logging_coverage ORDER BY hour"
    ).fetchall()
    assert got == [
        ("2025-11-03 13:00:00", 1000, 750, "75.0000", False),
        ("2025-11-03 14:00:00", 40, 0, "0.0000", True),
    ]
    summary = con.execute(
        "SELECT metric_tokens, logged_tokens, missing_hours, coverage_pct::VARCHAR "
        "FROM logging_coverage_summary"
    ).fetchall()
    assert summary == [(1040, 750, 1, "72.1154")]  # 750 / 1040 = 0.7211538...
    runs = con.execute("SELECT command, status, exit_code FROM runs ORDER BY started_at").fetchall()
    assert runs == [("ingest metrics", "ok", 0), ("ingest metrics", "ok", 0)]
    con.close()


def test_ingest_metrics_bad_time_is_a_usage_error(aws, capsys, tmp_path):
    code, _, err = run_cli(
        ["--db", str(tmp_path / "r.duckdb"), "ingest", "metrics", "--start", "soon", "--end", "x"],
        capsys,
    )
    assert code == 2
    assert err == (
        "reconciler: error: --start 'soon' is not an ISO date or time "
        "(e.g. 2025-11-03 or 2025-11-03T14:00Z)\n"
    )


def test_log_format_json_makes_every_stderr_line_json(aws, capsys, tmp_path):
    put("InputTokenCount", T0, 5)
    code, out, err = run_cli(
        [
            "--db",
            str(tmp_path / "r.duckdb"),
            "--log-format",
            "json",
            "ingest",
            "metrics",
            "--start",
            "2024-01-01",  # old window without --model-id: a logged warning
            "--end",
            "2024-01-01T01:00",
        ],
        capsys,
    )
    assert code == 0
    assert out == ""
    lines = [json.loads(x) for x in err.splitlines()]
    assert [(x["level"], x.get("event")) for x in lines] == [
        ("warning", None),
        ("info", "run_summary"),
    ]
    assert lines[0]["logger"] == "reconciler.ingest.metrics"
    assert lines[0]["message"].startswith("ListMetrics only lists series active in the last 14")
    assert lines[1]["command"] == "ingest metrics"
    assert lines[1]["exit_code"] == 0
    assert lines[1]["stages"][0]["stage"] == "ingest metrics"
    assert lines[0]["ts"].endswith("Z")


def test_log_format_json_errors_are_json_too(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("RECONCILER_CONFIG", raising=False)
    monkeypatch.setenv("RECONCILER_LOG_FORMAT", "json")
    code, _, err = run_cli(["--config", str(tmp_path / "nope.toml"), "doctor"], capsys)
    assert code == 2
    obj = json.loads(err)
    assert obj["event"] == "error"
    assert obj["exit_code"] == 2
    assert obj["message"] == (
        f"reconciler: error: config file {tmp_path / 'nope.toml'} not found: "
        "pass an existing --config file"
    )
    code, _, err = run_cli(["--no-such-flag"], capsys)
    assert code == 2
    assert json.loads(err)["message"] == "reconciler: error: No such option '--no-such-flag'."


def test_json_formatter_keeps_extras_and_one_line():
    record = logging.LogRecord("reconciler.x", logging.WARNING, "f", 1, "a\nb %s", ("c",), None)
    record.region = "us-east-1"
    obj = JsonFormatter().format(record)
    assert "\n" not in obj
    parsed = json.loads(obj)
    assert (parsed["message"], parsed["level"], parsed["region"]) == (
        "a\nb c",
        "warning",
        "us-east-1",
    )
