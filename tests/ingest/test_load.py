"""The loader on fixtures/logs: every figure below is from fixtures/README.md (worked by hand)."""

import gzip
import itertools
import json
import shutil
from pathlib import Path

import pytest

from reconciler.core.quarantine import Problems
from reconciler.ingest import load
from reconciler.ingest.load import StrictIngestError
from tests.support.stage import stage_ctx

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "logs"

TOTALS_SQL = """
SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_input_tokens),
       sum(cache_write_input_tokens), sum(cache_write_1h_input_tokens)
FROM invocations
"""


def snapshot(con):
    """Every public view's rows, minus run ids and times (which differ between runs)."""
    inv = con.execute(
        "SELECT * EXCLUDE (run_id) FROM invocations ORDER BY account_id, region, request_id"
    ).fetchall()
    q = con.execute(
        "SELECT source_uri, line_number, reason, detail FROM quarantine ORDER BY ALL"
    ).fetchall()
    d = con.execute("SELECT * EXCLUDE (run_id) FROM duplicate_conflicts ORDER BY ALL").fetchall()
    return inv, q, d


def test_fixture_totals(con):
    r = load.run(stage_ctx(con, "r1", problems=Problems()), sources=[str(FIXTURES)], workers=1)
    assert con.execute(TOTALS_SQL).fetchone() == (29, 25263, 5009, 28240, 5000, 1000)
    assert r.counts == {
        "files": 13,
        "skipped_already_loaded": 0,
        "skipped_offloads": 1,
        "skipped_markers": 2,
        "skipped_not_log": 0,
        "records": 29,
        "duplicates": 4,
        "conflicts": 1,
        "quarantined": 8,
        # 12 distinct ids: 4 base ids, a foundation-model ARN, an inference-profile ARN, a
        # global. and two us. profile ids, meta.llama... parse offline; the AIP and the
        # provisioned-model ARN wait for the resolve stage
        "model_ids_resolved": 10,
        "model_ids_pending": 2,
    }
    assert r.problems_by_reason == {
        "corrupt_gzip": 2,
        "missing_field": 1,
        "negative_token_count": 1,
        "non_integer_token_count": 1,
        "not_json": 1,
        "truncated_line": 1,
        "unexpected_schema_type": 1,
    }
    assert r.findings == 1
    assert r.rows_out == 29


def test_fixture_conflict_and_kept_copy(con):
    load.run(stage_ctx(con, "r1", problems=Problems()), sources=[str(FIXTURES)], workers=1)
    (row,) = con.execute(
        "SELECT kept_source_uri, kept_line_number, dup_source_uri, dup_line_number, detail "
        "FROM duplicate_conflicts"
    ).fetchall()
    assert row[0].endswith("20251103T140726512Z_5f0c2a9e3b7d4f1e.json.gz")
    assert row[1] == 2
    assert row[2].endswith("aws-bedrock-modelinvocations/000000.gz")
    assert row[3] == 2
    assert row[4] == "output_tokens 480 != 481"


def test_fixture_per_team_and_hostile_strings_stored_verbatim(con):
    load.run(stage_ctx(con, "r1", problems=Problems()), sources=[str(FIXTURES)], workers=1)
    got = con.execute(
        "SELECT team, application, count(*), sum(input_tokens), sum(output_tokens) "
        "FROM invocations GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert got == [
        ("<script>alert(1)</script>", "helpdesk", 1, 60, 20),
        ("data-platform", "catalog", 1, 100, 50),
        ("data-platform", "etl-summaries", 2, 4500, 1500),
        ("data-platform", "sandbox", 10, 550, 55),
        ("search", "qa-bot", 4, 2752, 1214),
        ("search", "ranker", 3, 2300, 240),
        ("support", '=HYPERLINK("http://x","y")', 1, 40, 10),
        ("support", "helpdesk", 4, 1850, 720),
        ("unattributed", "unattributed", 3, 13111, 1200),
    ]


def test_fixture_per_file_ledger(con):
    load.run(stage_ctx(con, "r1", problems=Problems()), sources=[str(FIXTURES)], workers=1)
    rows = con.execute(
        "SELECT regexp_extract(source_uri, '[^/]+$'), kind, records, duplicates, quarantined "
        "FROM source_objects ORDER BY source_uri"
    ).fetchall()
    assert rows == [
        ("20251103T140726512Z_5f0c2a9e3b7d4f1e.json.gz", "s3_delivery", 4, 0, 0),
        ("20251104T150004000Z_1122334455667788.json.gz", "s3_delivery", 3, 1, 0),
        ("20251103T091502004Z_0a9b8c7d6e5f4a3b.json.gz", "s3_delivery", 5, 0, 0),
        ("20251104T102011120Z_c0ffee00deadbeef.json.gz", "s3_delivery", 5, 0, 0),
        ("000000.gz", "cloudwatch_export", 2, 3, 0),
        ("corrupt.json.gz", "unknown", 0, 0, 1),
        ("fractional_tokens.json.gz", "s3_delivery", 1, 0, 1),
        ("missing_request_id.json.gz", "s3_delivery", 1, 0, 1),
        ("negative_tokens.json.gz", "s3_delivery", 1, 0, 1),
        ("not_json.json.gz", "s3_delivery", 2, 0, 1),
        ("truncated.json.gz", "s3_delivery", 2, 0, 1),
        ("truncated_line.json.gz", "s3_delivery", 2, 0, 1),
        ("wrong_schema.json.gz", "s3_delivery", 1, 0, 1),
    ]


def test_nothing_private_is_stored(con):
    load.run(stage_ctx(con, "r1", problems=Problems()), sources=[str(FIXTURES)], workers=1)
    for table in ("invocation_records", "quarantine_records", "duplicate_conflicts"):
        text = str(con.execute(f"SELECT * FROM {table}").fetchall())
        assert "PRIVATE" not in text, table


@pytest.mark.parametrize("workers", [1, 2])
def test_same_sources_twice_yields_identical_views(con, workers):
    first = load.run(
        stage_ctx(con, "r1", problems=Problems()), sources=[str(FIXTURES)], workers=workers
    )
    before = snapshot(con)
    again = load.run(
        stage_ctx(con, "r2", problems=Problems()), sources=[str(FIXTURES)], workers=workers
    )
    assert snapshot(con) == before
    assert first.counts["records"] == 29
    assert again.counts["files"] == 0
    assert again.counts["skipped_already_loaded"] == 13
    assert again.counts["records"] == 0
    assert again.problems_by_reason == {}


def test_small_batches_give_the_same_result_as_one_batch(con, tmp_path):
    load.run(
        stage_ctx(con, "r1", problems=Problems()), sources=[str(FIXTURES)], workers=1, batch_files=1
    )
    assert con.execute(TOTALS_SQL).fetchone() == (29, 25263, 5009, 28240, 5000, 1000)
    assert con.execute("SELECT count(*) FROM duplicate_conflicts").fetchone() == (1,)


def test_a_batch_ends_before_the_file_that_would_pass_the_record_limit(con, monkeypatch):
    """A batch over the limit leaves a tiny row group behind, which the final checkpoint then
    rewrites (load.BATCH_RECORDS); so a batch is cut before the file that would pass it."""
    sizes: list[list[int]] = []
    commit = load.commit_batch

    def spy(con_, run_id, batch, *args, **kwargs):
        sizes.append([e.parsed.table.num_rows for e in batch])
        return commit(con_, run_id, batch, *args, **kwargs)

    monkeypatch.setattr(load, "commit_batch", spy)
    load.run(
        stage_ctx(con, "r1", problems=Problems()),
        sources=[str(FIXTURES)],
        workers=1,
        batch_records=5,
    )
    # the fixtures' 13 files hold 33 parsed records (29 kept + 4 duplicates), 0-6 per file
    assert sum(map(sum, sizes)) == 33
    assert len(sizes) > 5
    for files in sizes:
        assert sum(files) <= 5 or len(files) == 1, sizes  # never past the limit...
    for before, after in itertools.pairwise(sizes):
        assert sum(before) + after[0] > 5, sizes  # ...and cut only when it had to be
    assert con.execute(TOTALS_SQL).fetchone() == (29, 25263, 5009, 28240, 5000, 1000)
    assert con.execute("SELECT count(*) FROM duplicate_conflicts").fetchone() == (1,)


def test_changed_file_is_read_again_and_only_new_records_load(con, tmp_path):
    rec = json.loads(
        gzip.decompress(
            next(FIXTURES.rglob("20251103T091502004Z_*.json.gz")).read_bytes()
        ).splitlines()[0]
    )
    f = tmp_path / "a.json"
    f.write_text(json.dumps(rec) + "\n")
    load.run(stage_ctx(con, "r1", problems=Problems()), sources=[str(f)], workers=1)
    rec2 = dict(rec, requestId="new-one")
    f.write_text(json.dumps(rec) + "\n" + json.dumps(rec2) + "\n")
    r = load.run(stage_ctx(con, "r2", problems=Problems()), sources=[str(f)], workers=1)
    assert (r.counts["files"], r.counts["records"], r.counts["duplicates"]) == (1, 1, 1)
    assert con.execute("SELECT count(*) FROM invocations").fetchone() == (2,)


def test_strict_stops_at_the_first_problem_and_commits_nothing_of_that_batch(con, tmp_path):
    shutil.copytree(FIXTURES / "bad", tmp_path / "bad")
    with pytest.raises(StrictIngestError, match="corrupt_gzip") as exc:
        load.run(
            stage_ctx(con, "r1", problems=Problems(strict=True)), sources=[str(tmp_path)], workers=1
        )
    assert exc.value.exit_code == 1
    assert con.execute("SELECT count(*) FROM invocation_records").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM source_objects").fetchone() == (0,)


def test_unreadable_file_is_quarantined_and_not_ledgered(con, tmp_path):
    (tmp_path / "gone.json.gz").symlink_to(tmp_path / "nowhere.json.gz")
    r = load.run(stage_ctx(con, "r1", problems=Problems()), sources=[str(tmp_path)], workers=1)
    assert r.problems_by_reason == {"unreadable_file": 1}
    assert con.execute("SELECT count(*) FROM source_objects").fetchone() == (0,)
    again = load.run(stage_ctx(con, "r2", problems=Problems()), sources=[str(tmp_path)], workers=1)
    assert again.problems_by_reason == {"unreadable_file": 1}  # tried again, still reported
