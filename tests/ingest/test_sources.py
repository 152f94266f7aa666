"""Source expansion, skip rules, S3 (moto in-process and moto_server over HTTP), error mapping."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

import reconciler.core.aws
from reconciler.core.errors import SourceError, SourceUnavailable
from reconciler.core.quarantine import Problems
from reconciler.ingest import load
from reconciler.ingest.sources import expand_sources, skip_reason
from tests.support.stage import stage_ctx

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
REPO = FIXTURES.parents[1]

# fixtures/README.md without the bad/ files: 29 - 10 records, 25263 - 550 input, 5009 - 55 output
S3_TOTALS = (19, 24713, 4954, 28240, 5000, 1000)
TOTALS_SQL = (
    "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_input_tokens), "
    "sum(cache_write_input_tokens), sum(cache_write_1h_input_tokens) FROM invocations"
)


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("2025/11/03/14/20251103T140726512Z_5f0c2a9e3b7d4f1e.json.gz", None),
        ("x/aws-bedrock-modelinvocations/000000.gz", None),
        ("plain.json", None),
        ("2025/11/03/14/data/5f0c_input.json.gz", "offload"),
        ("data/5f0c_output.json.gz", "offload"),
        ("2025/11/03/14/data/19926a63_input_media_00.pdf", "offload"),
        ("exportedlogs/aws-logs-write-test", "marker"),
        ("BedrockModelInvocationLogs/amazon-bedrock-logs-permission-check", "marker"),
        ("AWSLogs/folder/", "marker"),
        ("notes/README.md", "not_log"),
        ("metadata.data", "not_log"),
    ],
)
def test_skip_rules(relative, reason):
    assert skip_reason(relative) == reason


def test_data_in_the_root_path_is_not_an_offload(tmp_path):
    root = tmp_path / "data" / "logs"
    root.mkdir(parents=True)
    (root / "a.json").write_text("{}\n")
    found = expand_sources([str(root)])
    assert [Path(o.uri).name for o in found.objects] == ["a.json"]


def test_directory_walk_is_sorted_and_counts_skips():
    found = expand_sources([str(FIXTURES)])
    names = [o.uri.rsplit("/", 1)[1] for o in found.objects]
    assert len(names) == 13
    assert names[0] == "20251103T140726512Z_5f0c2a9e3b7d4f1e.json.gz"
    assert names[-1] == "wrong_schema.json.gz"
    assert dict(found.skipped) == {"offload": 1, "marker": 2}
    st = os.stat(found.objects[0].uri)
    assert found.objects[0].fingerprint == f"{st.st_size}:{st.st_mtime_ns}"


def test_glob_and_explicit_file(tmp_path):
    found = expand_sources([str(FIXTURES / "bad" / "*.json.gz")])
    assert len(found.objects) == 8
    explicit = FIXTURES / "acme-cw-exports" / "exportedlogs" / "aws-logs-write-test"
    assert len(expand_sources([str(explicit)]).objects) == 1  # named explicitly: read it


def test_missing_path_and_empty_glob_are_usage_errors(tmp_path):
    with pytest.raises(SourceError, match=r"source .*nope does not exist"):
        expand_sources([str(tmp_path / "nope")])
    with pytest.raises(SourceError, match="no files match"):
        expand_sources([str(tmp_path / "*.json.gz")])


def upload_fixtures(client):
    for bucket in ("acme-bedrock-logs", "acme-cw-exports"):
        client.create_bucket(Bucket=bucket)
        for path in sorted((FIXTURES / bucket).rglob("*")):
            if path.is_file():
                key = path.relative_to(FIXTURES / bucket).as_posix()
                client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())


S3_SOURCES = ["s3://acme-bedrock-logs/AWSLogs/", "s3://acme-cw-exports/exportedlogs/"]


def test_s3_ingest_with_moto_in_process(aws, con):
    client = boto3.client("s3", region_name="us-east-1")
    upload_fixtures(client)
    r = load.run(
        stage_ctx(con, "r1", problems=Problems(), client=client), sources=S3_SOURCES, workers=2
    )
    assert con.execute(TOTALS_SQL).fetchone() == S3_TOTALS
    assert (r.counts["files"], r.counts["duplicates"], r.counts["conflicts"]) == (5, 4, 1)
    assert (r.counts["skipped_offloads"], r.counts["skipped_markers"]) == (1, 2)
    etag = client.head_object(
        Bucket="acme-cw-exports",
        Key="exportedlogs/7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f/aws-bedrock-modelinvocations/000000.gz",
    )["ETag"].strip('"')
    assert con.execute(
        "SELECT fingerprint FROM source_objects WHERE source_uri LIKE '%000000.gz'"
    ).fetchone() == (etag,)
    uris = {u for (u,) in con.execute("SELECT DISTINCT source_uri FROM invocations").fetchall()}
    assert all(u.startswith("s3://acme-") for u in uris)
    again = load.run(stage_ctx(con, "r2", problems=Problems(), client=client), sources=S3_SOURCES)
    assert (again.counts["files"], again.counts["skipped_already_loaded"]) == (0, 5)


def test_s3_object_that_vanished_is_quarantined_not_ledgered(aws, con):
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="bkt")
    client.put_object(Bucket="bkt", Key="a.json.gz", Body=b"")
    found = expand_sources(["s3://bkt/"], s3_client=client)
    client.delete_object(Bucket="bkt", Key="a.json.gz")
    from reconciler.ingest.reader import Reader

    with Reader(1, client) as reader:
        ((_obj, parsed),) = list(reader.read(found.objects))
    assert parsed is None


def test_s3_errors_map_to_exit_codes(aws_env):
    client = boto3.client("s3", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error(
            "list_objects_v2", service_error_code="ExpiredToken", http_status_code=400
        )
        with pytest.raises(SourceUnavailable, match="ExpiredToken"):
            expand_sources(["s3://b/p/"], s3_client=client)
    with Stubber(client) as stub:
        stub.add_client_error(
            "list_objects_v2", service_error_code="NoSuchBucket", http_status_code=404
        )
        with pytest.raises(SourceError, match="NoSuchBucket") as exc:
            expand_sources(["s3://b/p/"], s3_client=client)
        assert exc.value.exit_code == 2


def test_unreachable_endpoint_is_transient(aws_env, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")  # nothing listens
    client = reconciler.core.aws.client("s3")
    assert client.meta.endpoint_url == f"http://127.0.0.1:{port}"  # boto3 honours the env var
    with pytest.raises(SourceUnavailable) as exc:
        expand_sources(["s3://b/p/"], s3_client=client)
    assert exc.value.exit_code == 3


@pytest.mark.aws_server
def test_cli_ingests_from_moto_server_over_http(moto_server_env, tmp_path):
    client = boto3.client("s3", region_name="us-east-1")  # AWS_ENDPOINT_URL -> moto_server
    upload_fixtures(client)
    db = str(tmp_path / "s.duckdb")
    env = os.environ | moto_server_env | {"PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "reconciler", "--db", db, "ingest", "logs", *S3_SOURCES]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 1, proc.stderr  # the conflict is a finding
    assert "records 19; duplicates 4; conflicts 1" in proc.stderr
    import duckdb

    with duckdb.connect(db, read_only=True) as c:
        assert c.execute(TOTALS_SQL).fetchone() == S3_TOTALS
    again = subprocess.run(
        [*cmd, "--json"], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
    )
    assert again.returncode == 0, again.stderr
    assert '"skipped_already_loaded": 5' in again.stdout


@pytest.mark.aws_server
def test_cli_unreachable_endpoint_exits_3(aws_env, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = (
        os.environ
        | aws_env
        | {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "PYTHONPATH": str(REPO)}
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "reconciler",
            "--db",
            str(tmp_path / "u.duckdb"),
            "ingest",
            "logs",
            "s3://b/p/",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 3
    assert proc.stderr.startswith("reconciler: error: AWS could not be reached while listing")
