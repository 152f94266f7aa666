"""The Spark route ends where the local route ends: same usage_hourly, spend, reconciliation,
allocated spend, quarantine, conflicts and source ledger, on the bundled fixtures (demo.toml's
rules and model map) and on a generated estate (bench/generate_logs.py: S3 files plus a
CloudWatch export repeating 5% of the records, with one tampered copy added for a conflict)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest
from botocore.exceptions import NoCredentialsError
from support.spark_routes import COMPARED, local_route, rows, spark_route

import reconciler.core.aws

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
from generate_logs import generate  # noqa: E402


def _no_aws(service: str, region: str | None = None) -> object:
    raise NoCredentialsError  # an id the map cannot settle stays unresolved, as with no AWS


@pytest.fixture(autouse=True)
def _offline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # `run` writes reports under ./reports
    monkeypatch.setattr(reconciler.core.aws, "client", _no_aws)


def _config(tmp_path: Path) -> Path:
    """demo.toml without [sources] (each route loads its own way), model map made absolute."""
    text = (REPO / "fixtures" / "demo.toml").read_text()
    text = text.replace(
        '"demo-model-map.csv"', json.dumps(str(REPO / "fixtures" / "demo-model-map.csv"))
    )
    kept = [
        line
        for line in text.splitlines()
        if not line.startswith(("logs = ", "invoices = ", "workers = "))
    ]
    path = tmp_path / "reconciler.toml"
    path.write_text("\n".join(kept) + "\n")
    return path


def _compare(a: Path, b: Path) -> dict[str, int]:
    sizes = {}
    for view, query in COMPARED.items():
        left, right = rows(a, query), rows(b, query)
        assert left == right, f"{view} differs between the local and the Spark route"
        sizes[view] = len(left)
    return sizes


def test_fixtures_spark_route_equals_local_route(spark, tmp_path):
    config = _config(tmp_path)
    logs = [str(REPO / "fixtures" / "logs")]
    invoices = [str(REPO / "fixtures" / "invoices" / "cur2_parquet")]
    window = ("2025-11-03", "2025-11-04")
    local_codes = local_route(tmp_path / "local.duckdb", config, logs, invoices, window)
    summary, spark_codes = spark_route(
        spark, tmp_path / "spark.duckdb", config, logs, invoices, window, tmp_path / "out"
    )
    assert spark_codes == local_codes == [1, 0, 1]  # quarantine + conflict; gaps
    sizes = _compare(tmp_path / "local.duckdb", tmp_path / "spark.duckdb")
    # fixtures/README.md: 6 bad files, 8 quarantine rows; one conflicting duplicate
    assert sizes["quarantine"] == 8
    assert sizes["duplicate_conflicts"] == 1
    assert all(sizes[v] > 0 for v in ("usage_hourly", "spend", "reconciliation"))
    assert (summary.files, summary.quarantined, summary.conflicts) == (13, 8, 1)


def _tampered_copy(root: Path) -> None:
    """A second copy of one generated S3 file (100 records, all duplicates then) with the first
    record's output count changed and a bad line added."""
    first = sorted(root.glob("AWSLogs/**/*.json.gz"))[0]
    lines = gzip.decompress(first.read_bytes()).decode().splitlines()
    record = json.loads(lines[0])
    record["output"]["outputTokenCount"] = record["output"].get("outputTokenCount", 0) + 7
    lines[0] = json.dumps(record)
    lines.insert(1, "{not json")  # and a bad line: quarantined at line 2 of the copy
    copy = first.with_name("zz-redelivered-" + first.name)
    copy.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))


def test_generated_estate_spark_route_equals_local_route(spark, tmp_path):
    estate = tmp_path / "estate"
    manifest = generate(600, estate, seed=23, per_file=100)
    _tampered_copy(estate)
    config = _config(tmp_path)
    window = ("2025-11-03", "2025-11-04")
    logs = [str(estate / "AWSLogs"), str(estate / "exportedlogs")]  # not manifest.json
    local_codes = local_route(tmp_path / "local.duckdb", config, logs, [], window)
    summary, spark_codes = spark_route(
        spark, tmp_path / "spark.duckdb", config, logs, [], window, tmp_path / "out"
    )
    assert spark_codes == local_codes
    sizes = _compare(tmp_path / "local.duckdb", tmp_path / "spark.duckdb")
    assert sizes["duplicate_conflicts"] == 1
    assert sizes["quarantine"] == 1
    # the generator's control totals: unique requests; duplicates = the export's + the copy's
    assert summary.records == manifest["unique_requests"]
    assert summary.duplicates == manifest["duplicates"] + 100  # every record of the copy
    tokens = rows(
        tmp_path / "spark.duckdb",
        "SELECT sum(quantity) FROM usage_hourly WHERE charge = 'output_tokens'",
    )
    assert tokens == [(manifest["output_tokens"],)]
