"""`reconciler doctor`: each Region's invocation-logging configuration, judged."""

from __future__ import annotations

import json
import socket

import boto3
import pytest
from moto import mock_aws

from reconciler.cli import main
from reconciler.ingest.doctor import check_regions, evaluate, render_table

BUCKET = {"bucketName": "acme-bedrock-logs", "keyPrefix": "bedrock/"}
CW = {"logGroupName": "/aws/bedrock/modelinvocations", "roleArn": "arn:aws:iam::1:role/x"}
NO_BODIES = {
    "textDataDeliveryEnabled": False,
    "imageDataDeliveryEnabled": False,
    "embeddingDataDeliveryEnabled": False,
    "videoDataDeliveryEnabled": False,
    "audioDataDeliveryEnabled": False,
}


@pytest.fixture
def aws_env(monkeypatch):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("RECONCILER_CONFIG", raising=False)
    monkeypatch.delenv("RECONCILER_LOG_FORMAT", raising=False)


@pytest.fixture
def aws(aws_env):
    with mock_aws():
        yield


def put_config(region, config):
    boto3.client("bedrock", region_name=region).put_model_invocation_logging_configuration(
        loggingConfig=config
    )


def codes(check):
    return [(f.code, f.severity) for f in check.flags]


# --- evaluate: the rules, without AWS ---------------------------------------------------------


def test_logging_off():
    c = evaluate("us-east-1", None)
    assert (c.logging_enabled, codes(c), c.warnings) == (
        False,
        [("logging_off", "warning")],
        1,
    )


def test_s3_without_bodies_is_clean():
    c = evaluate("us-east-1", {"s3Config": BUCKET, **NO_BODIES})
    assert codes(c) == []
    assert c.s3_destination == "s3://acme-bedrock-logs/bedrock"


def test_no_destination():
    c = evaluate("us-east-1", {**NO_BODIES})
    assert codes(c) == [("no_destination", "warning")]


def test_bodies_delivered_names_each_modality():
    c = evaluate(
        "us-east-1",
        {
            "s3Config": BUCKET,
            **NO_BODIES,
            "textDataDeliveryEnabled": True,
            "audioDataDeliveryEnabled": True,
        },
    )
    assert c.bodies == ("text", "audio")
    assert codes(c) == [("bodies_delivered", "warning")]
    assert "(text, audio)" in c.flags[0].message


def test_cloudwatch_only_without_large_data_s3():
    quiet = evaluate("us-east-1", {"cloudWatchConfig": CW, **NO_BODIES})
    assert codes(quiet) == [("no_large_data_s3", "info")]
    assert quiet.warnings == 0
    loud = evaluate(
        "us-east-1", {"cloudWatchConfig": CW, **NO_BODIES, "imageDataDeliveryEnabled": True}
    )
    assert codes(loud) == [("bodies_delivered", "warning"), ("no_large_data_s3", "warning")]
    with_large = evaluate(
        "us-east-1",
        {"cloudWatchConfig": {**CW, "largeDataDeliveryS3Config": BUCKET}, **NO_BODIES},
    )
    assert codes(with_large) == []
    assert with_large.large_data_s3 == "s3://acme-bedrock-logs/bedrock"


# --- moto: the real API shape ------------------------------------------------------------------


def test_check_regions_with_moto(aws):
    put_config("us-east-1", {"s3Config": BUCKET, **NO_BODIES})
    put_config("eu-west-1", {"cloudWatchConfig": CW, **NO_BODIES, "textDataDeliveryEnabled": True})
    checks = check_regions(["us-east-1", "eu-west-1", "ap-southeast-2"])
    assert [(c.region, codes(c)) for c in checks] == [
        ("us-east-1", []),
        ("eu-west-1", [("bodies_delivered", "warning"), ("no_large_data_s3", "warning")]),
        ("ap-southeast-2", [("logging_off", "warning")]),
    ]
    assert checks[1].cloudwatch_destination == "/aws/bedrock/modelinvocations"


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_cli_clean_region_exits_0(aws, capsys, tmp_path):
    put_config("us-east-1", {"s3Config": BUCKET, **NO_BODIES})
    code, out, err = run_cli(["--db", str(tmp_path / "x.duckdb"), "doctor"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["region", "logging", "destinations", "bodies", "status", "detail"]
    assert lines[1].split() == ["us-east-1", "on", "s3://acme-bedrock-logs/bedrock", "none", "ok"]
    assert err == ""
    assert not (tmp_path / "x.duckdb").exists()  # doctor never touches the database


def test_cli_flags_exit_1_and_json(aws, capsys):
    put_config("us-east-1", {"s3Config": BUCKET, **NO_BODIES, "videoDataDeliveryEnabled": True})
    code, out, _ = run_cli(
        ["doctor", "--region", "us-east-1", "--region", "us-west-2", "--json"], capsys
    )
    assert code == 1
    report = json.loads(out)
    assert report["warnings"] == 2
    assert [(r["region"], [f["code"] for f in r["flags"]]) for r in report["regions"]] == [
        ("us-east-1", ["bodies_delivered"]),
        ("us-west-2", ["logging_off"]),
    ]
    assert report["regions"][0]["bodies"] == ["video"]


def test_table_lists_every_flag():
    text = render_table(
        [
            evaluate(
                "eu-west-1", {"cloudWatchConfig": CW, **NO_BODIES, "textDataDeliveryEnabled": True}
            )
        ]
    )
    lines = text.splitlines()
    assert len(lines) == 3
    assert "warning:bodies_delivered" in lines[1]
    assert lines[2].lstrip().startswith("warning:no_large_data_s3")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_unreachable_api_exits_3(aws_env, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    code, out, err = run_cli(["doctor", "--region", "us-east-1"], capsys)
    assert code == 3
    assert out == ""
    assert err == (
        "reconciler: error: bedrock:GetModelInvocationLoggingConfiguration in us-east-1: "
        "AWS unreachable (EndpointConnectionError); retry later\n"
    )


def test_cli_without_any_region_is_a_usage_error(aws_env, capsys, monkeypatch):
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    code, _, err = run_cli(["doctor"], capsys)
    assert code == 2
    assert err == (
        "reconciler: error: no AWS Region given: pass --region (repeatable) or set AWS_REGION\n"
    )


def test_regions_from_config(aws, capsys, tmp_path):
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text('regions = ["eu-central-1"]\n')
    code, out, _ = run_cli(["--config", str(cfg), "doctor"], capsys)
    assert code == 1
    assert out.splitlines()[1].split()[:2] == ["eu-central-1", "off"]


def test_access_denied_is_a_flag_for_that_region_only(aws_env):
    from botocore.stub import Stubber

    client = boto3.client("bedrock", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_client_error(
        "get_model_invocation_logging_configuration", "AccessDeniedException", "nope", 403
    )
    stub.add_response(
        "get_model_invocation_logging_configuration",
        {"loggingConfig": {"s3Config": BUCKET, **NO_BODIES}},
    )
    with stub:
        checks = check_regions(["us-east-1", "us-west-2"], bedrock=lambda region: client)
    assert [codes(c) for c in checks] == [[("cannot_read", "warning")], []]
    assert (
        checks[0]
        .flags[0]
        .message.startswith(
            "bedrock:GetModelInvocationLoggingConfiguration in us-east-1 failed: "
            "AccessDeniedException: nope"
        )
    )
