"""Smoke test of the benchmark harness (bench/harness.py) on a tiny generated set, so that
`make bench` cannot rot between the occasions someone runs it. Seconds, not minutes."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate_logs import generate
from harness import (
    DataSet,
    alternate,
    check_ingest_outputs,
    ingest_table,
    ingest_variants,
    write_section,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    generate(1200, root, seed=4, per_file=100)
    return DataSet.of(root)


def test_harness_times_every_reader_on_the_same_files(tiny, tmp_path):
    assert tiny.records == 1200
    assert tiny.files == 12
    assert tiny.uncompressed > tiny.compressed > 0
    variants = ingest_variants(tiny, tmp_path, workers=(2, 1))
    assert [v.role for v in variants] == ["ours", "ours_other", "floor", "reader", "reader"]
    alternate(variants, rounds=1, warmup=0)
    check_ingest_outputs(variants, tiny)  # every reader saw all 1,200 records
    for v in variants:
        assert len(v.samples) == 1
        assert v.wall > 0
        assert v.peak_tree >= v.peak_proc > 10 * 2**20  # a Python process is at least 10 MiB
    table = ingest_table(variants, tiny)
    assert table.count("\n| ") == 5  # one row per command (after the header and rule)
    assert "ours / floor (paired)" in table
    assert "1 worker / 2 workers (paired)" in table

    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nhand-written text\n")
    write_section(doc, "ingest", table)
    write_section(doc, "ingest", "replaced\n")
    text = doc.read_text()
    assert text.count("<!-- bench:ingest -->") == 1
    assert "replaced" in text
    assert "hand-written text" in text
    assert "ours / floor" not in text


def test_a_failing_reader_fails_the_harness(tiny, tmp_path):
    variants = ingest_variants(tiny, tmp_path)
    ours = variants[0]
    ours.cmd = [*ours.cmd[:-1], str(tmp_path / "no-such-dir")]
    with pytest.raises(RuntimeError, match="exited 2"):
        alternate([ours], rounds=1, warmup=0)
