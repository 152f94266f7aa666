"""The ingest verbs and the demo through the CLI boundary: exit codes and output streams."""

import json
from pathlib import Path

import duckdb
import pytest

from reconciler.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
GOOD = next(FIXTURES.rglob("20251103T091502004Z_*.json.gz"))  # support: 5 records, clean


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_clean_file_exits_0_then_skips(tmp_path, capsys):
    db = str(tmp_path / "c.duckdb")
    code, out, err = run_cli(["--db", db, "ingest", "logs", str(GOOD)], capsys)
    assert code == 0
    assert out == ""
    assert "records 5; duplicates 0; conflicts 0; quarantined 0" in err
    code, out, _ = run_cli(["--db", db, "ingest", "logs", str(GOOD), "--json"], capsys)
    assert code == 0
    summary = json.loads(out)
    assert summary["stages"][0]["counts"]["skipped_already_loaded"] == 1
    with duckdb.connect(db, read_only=True) as c:  # the no-op published nothing (docs/views.md)
        assert c.execute("SELECT command, exit_code FROM runs ORDER BY started_at").fetchall() == [
            ("ingest logs", 0),
        ]
    with duckdb.connect(db + ".work", read_only=True) as c:  # its row waits for the next change
        assert c.execute("SELECT command, exit_code FROM runs ORDER BY started_at").fetchall() == [
            ("ingest logs", 0),
            ("ingest logs", 0),
        ]


def test_quarantine_exits_1_and_strict_names_the_problem(tmp_path, capsys):
    bad = str(FIXTURES / "bad" / "not_json.json.gz")
    code, _, err = run_cli(["--db", str(tmp_path / "q.duckdb"), "ingest", "logs", bad], capsys)
    assert code == 1
    assert "quarantined not_json=1" in err
    code, _, err = run_cli(
        ["--db", str(tmp_path / "s.duckdb"), "ingest", "logs", "--strict", bad], capsys
    )
    assert code == 1
    assert err == (
        f"reconciler: error: --strict: {bad}:2: not_json: "
        "JSON is malformed: invalid character (byte 0)\n"
    )


def test_missing_source_exits_2(tmp_path, capsys):
    code, _, err = run_cli(
        ["--db", str(tmp_path / "m.duckdb"), "ingest", "logs", str(tmp_path / "nope")], capsys
    )
    assert code == 2
    assert err == (
        f"reconciler: error: source {tmp_path / 'nope'} does not exist "
        "(expected a file, directory or glob)\n"
    )


def test_demo_ingests_the_fixtures(tmp_path, capsys):
    db = str(tmp_path / "demo.duckdb")
    code, _, err = run_cli(
        ["--db", db, "demo", "--small", "--out-dir", str(tmp_path / "out")], capsys
    )
    assert code == 0
    assert "records 29; duplicates 4; conflicts 1; quarantined 8" in err
    with duckdb.connect(db, read_only=True) as c:
        assert c.execute("SELECT count(*), sum(input_tokens) FROM invocations").fetchone() == (
            29,
            25263,
        )


def test_cloudwatch_bad_time_is_a_usage_error(tmp_path, capsys):
    code, _, err = run_cli(
        [
            "--db",
            str(tmp_path / "w.duckdb"),
            "ingest",
            "cloudwatch",
            "--log-group",
            "g",
            "--start",
            "soon",
            "--end",
            "2025-11-04",
        ],
        capsys,
    )
    assert code == 2
    assert err.startswith("reconciler: error: bad time 'soon'")


def test_a_duplicate_conflict_is_named_with_how_to_inspect_it(tmp_path, capsys):
    db = str(tmp_path / "d.duckdb")
    code, out, err = run_cli(["--db", db, "ingest", "logs", str(FIXTURES)], capsys)
    assert code == 1
    assert out == ""
    assert "conflicts 1;" in err
    with duckdb.connect(db, read_only=True) as c:
        [(run_id,)] = c.execute("SELECT run_id FROM runs").fetchall()
        assert c.execute("SELECT count(*) FROM duplicate_conflicts").fetchone() == (1,)
    assert (
        "reconciler: 1 duplicate conflict(s): copies of one request with different token counts "
        "(the first copy is kept); they are in the table duplicate_conflicts: "
        f"duckdb -readonly {db} \"SELECT * FROM duplicate_conflicts WHERE run_id = '{run_id}'\"\n"
    ) in err
