"""``ingest facts`` without Spark: job outputs written here with pyarrow, loaded, replaced."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reconciler.core.config import Settings
from reconciler.core.errors import ConfigError
from reconciler.db.stage import StageContext
from reconciler.ingest.facts import FACT_COLUMNS, PARTS, ingest_facts
from reconciler.stages import aggregate


def utc(hour: int, minute: int = 0) -> datetime:
    """A naive UTC time on 2025-11-03, as DuckDB's TIMESTAMP returns it."""
    return datetime(2025, 11, 3, hour, minute, tzinfo=UTC).replace(tzinfo=None)


H10, H11 = utc(10), utc(11)


def fact(hour: datetime, account: str, quantity: int) -> dict[str, object]:
    return {
        "hour": hour, "account_id": account, "region": "us-east-1",
        "base_model": "amazon.nova-micro-v1:0", "model_resolved": True, "routing": "in_region",
        "tier": "standard", "mode": "on_demand", "charge": "input_tokens",
        "context_tier": "standard", "team": "t", "application": "a", "attribution_rule": "default",
        "quantity": quantity, "unit": "token", "requests": 1, "requests_counted": 1,
    }  # fmt: skip


def write_output(root: Path, facts: list[dict[str, object]], objects: list[str]) -> Path:
    """A job output: the given facts, one manifest row and one quarantine row per object."""
    parts = {
        "facts": pa.Table.from_pylist(facts, schema=pa.schema(
            [(c, pa.timestamp("us") if c == "hour" else pa.bool_() if c == "model_resolved"
              else pa.int64() if c in ("quantity", "requests", "requests_counted")
              else pa.string()) for c in FACT_COLUMNS])),
        "quarantine": pa.table({
            "source_uri": objects, "line_number": pa.array([2] * len(objects), pa.int64()),
            "reason": ["not_json"] * len(objects), "detail": ["bad"] * len(objects)}),
        "duplicate_conflicts": pa.table({
            c: pa.array([], pa.int64() if c.endswith("line_number") else pa.string())
            for c in ("account_id", "region", "request_id", "kept_source_uri",
                      "kept_line_number", "dup_source_uri", "dup_line_number", "detail")}),
        "manifest": pa.table({
            "file_ord": pa.array(range(len(objects)), pa.int64()), "source_uri": objects,
            "fingerprint": ["f"] * len(objects),
            "size_bytes": pa.array([100] * len(objects), pa.int64()),
            "kind": ["s3_delivery"] * len(objects),
            "records": pa.array([1] * len(objects), pa.int64()),
            "duplicates": pa.array([0] * len(objects), pa.int64()),
            "quarantined": pa.array([1] * len(objects), pa.int64()),
            "ledger": [True] * len(objects)}),
        "model_ids": pa.table({
            "model_id": ["arn:aws:bedrock:us-east-1:1:application-inference-profile/p"],
            "base_model": ["amazon.nova-micro-v1:0"], "routing": ["in_region"],
            "kind": ["application_profile"], "mode": ["on_demand"], "resolved": [True],
            "resolution": ["mapping_file"], "resolved_at": [H10]}),
    }  # fmt: skip
    for part in PARTS:
        (root / part).mkdir(parents=True)
        pq.write_table(parts[part], root / part / "part-0.parquet")
        (root / part / "_SUCCESS").touch()
    return root


def quantities(con) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT hour, account_id, quantity FROM imported_usage_facts ORDER BY ALL"
    ).fetchall()


def test_cells_are_replaced_and_objects_counted_once(con, tmp_path):
    first = write_output(tmp_path / "a", [fact(H10, "1", 100), fact(H11, "1", 50)], ["s3://b/x"])
    counts = ingest_facts(con, "r1", str(first)).counts
    assert (counts["fact_rows"], counts["files_new"], counts["quarantined"]) == (2, 1, 1)
    # a later job covering the 10:00 cell of account 1, and a cell of account 2
    second = write_output(tmp_path / "b", [fact(H10, "1", 70), fact(H10, "2", 5)], ["s3://b/x"])
    counts = ingest_facts(con, "r2", str(second)).counts
    assert (counts["files_new"], counts["skipped_already_loaded"], counts["quarantined"]) == (
        0,
        1,
        0,
    )
    assert quantities(con) == [(H10, "1", 70), (H10, "2", 5), (H11, "1", 50)]
    ingest_facts(con, "r3", str(second))  # the same output again: nothing changes
    assert quantities(con) == [(H10, "1", 70), (H10, "2", 5), (H11, "1", 50)]
    assert con.execute("SELECT count(*) FROM quarantine_records").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM source_objects").fetchone() == (1,)


def test_aggregate_copies_imported_facts_and_drops_local_records_of_covered_cells(con, tmp_path):
    out = write_output(tmp_path / "a", [fact(H10, "1", 100)], ["s3://b/x"])
    ingest_facts(con, "r1", str(out))
    # a local record in the covered cell (10:00, account 1) and one in another hour
    for hour, tokens in ((10, 999), (11, 7)):
        con.execute(
            "INSERT INTO invocation_records (request_id, account_id, region, event_time, model_id,"
            " input_tokens, output_tokens, cache_read_input_tokens, cache_write_input_tokens, "
            "source_uri, line_number, run_id) VALUES ($id, '1', 'us-east-1', $t, "
            "'amazon.nova-micro-v1:0', $n, 0, 0, 0, 'local', 1, 'x')",
            {"id": f"q{hour}", "t": utc(hour, 30), "n": tokens},
        )
    aggregate.run(StageContext(con, Settings(), run_id="agg", start=H10.date(), end=H10.date()))
    got = con.execute(
        "SELECT hour, sum(quantity) FROM usage_hourly GROUP BY hour ORDER BY hour"
    ).fetchall()
    assert got == [(H10, 100), (H11, 7)]


def test_unresolved_local_model_id_is_replaced_by_the_jobs_resolution(con, tmp_path):
    arn = "arn:aws:bedrock:us-east-1:1:application-inference-profile/p"
    con.execute(
        "INSERT INTO model_ids (model_id, kind, resolved, resolution, resolved_at) "
        "VALUES ($m, 'application_profile', false, 'unresolved:lookup_failed', now())",
        {"m": arn},
    )
    ingest_facts(con, "r1", str(write_output(tmp_path / "a", [], [])))
    assert con.execute(
        "SELECT base_model, resolved FROM model_ids WHERE model_id = $m", {"m": arn}
    ).fetchone() == ("amazon.nova-micro-v1:0", True)


def test_an_incomplete_output_is_a_usage_error(con, tmp_path):
    out = write_output(tmp_path / "a", [], [])
    (out / "facts" / "_SUCCESS").unlink()
    with pytest.raises(ConfigError, match="facts/_SUCCESS"):
        ingest_facts(con, "r1", str(out))
    with pytest.raises(ConfigError, match="not a directory"):
        ingest_facts(con, "r1", str(tmp_path / "nowhere"))
