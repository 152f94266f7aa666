"""A batch that needs more memory than the ingest's DuckDB cap is retried without the cap.

The cap (``load.INGEST_MEMORY_LIMIT``, 128 MB) bounds DuckDB's cache of written blocks; it is not
a promise that every batch fits. Deduplicating a batch whose records are loaded already (the S3
and the CloudWatch copies of the same requests) needed more than 61 MiB on 200k records; under a
64 MB cap `ingest logs` stopped with exit 70, and the out-of-memory error was hidden behind
"transaction is aborted" from the cleanup. Expected figures come from the generator's manifest.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate_logs import generate

from reconciler.core.quarantine import Problems
from reconciler.ingest import load
from tests.support.stage import stage_ctx


def _sources(root) -> list[str]:
    return [str(root / "AWSLogs"), str(root / "exportedlogs")]


def test_a_batch_out_of_memory_is_rolled_back_and_retried_once_without_the_cap(
    tmp_path, con, monkeypatch, caplog
):
    m = generate(600, tmp_path, seed=3, per_file=100)
    real = load._write_batch
    calls = []

    def first_runs_out_of_memory(*args, **kwargs):
        calls.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        if len(calls) == 1:  # as DuckDB does, after rolling the batch's transaction back
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "_write_batch", first_runs_out_of_memory)
    with caplog.at_level(logging.WARNING, logger="reconciler.ingest.load"):
        r = load.run(
            stage_ctx(con, "r1", problems=Problems()), sources=_sources(tmp_path), workers=1
        )
    assert "retried without the cap" in caplog.text
    assert len(calls) == 2
    assert calls[0] != calls[1]  # the second try ran without the cap
    n = con.execute("SELECT count(*), count(DISTINCT request_id) FROM invocation_records")
    assert n.fetchone() == (m["unique_requests"], m["unique_requests"])  # once, not twice
    assert r.counts["records"] == m["unique_requests"]
    assert r.counts["duplicates"] == m["duplicates"]
    ledger = con.execute("SELECT count(*) FROM source_objects").fetchone()[0]
    assert ledger == m["s3_files"] + m["export_files"]


def test_a_real_small_cap_still_loads_every_record(tmp_path, con, monkeypatch):
    # 5,000 records with the CloudWatch export's duplicates under a 4 MB cap: DuckDB runs out of
    # memory in the first batch (before the fix: exit 70); the retry loads all of them
    m = generate(5000, tmp_path, seed=3, per_file=500)
    monkeypatch.setattr(load, "INGEST_MEMORY_LIMIT", "4MB")
    r = load.run(stage_ctx(con, "r1", problems=Problems()), sources=_sources(tmp_path), workers=1)
    assert (r.counts["records"], r.counts["duplicates"]) == (m["unique_requests"], m["duplicates"])
    assert con.execute("SELECT count(*) FROM invocation_records").fetchone()[0] == 5000
