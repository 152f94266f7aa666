"""A `run` whose window inputs did not change reuses the last results (the nightly no-op must be
cheap, docs/performance.md); any change to an input, or a run of another window, recomputes."""

from __future__ import annotations

import json

import pytest
from test_run import logged, run_cli, seeded_db

from reconciler.db import connect

WINDOW = ["run", "--date", "2025-11-03", "--json"]


def summary(db, capsys):
    code, out, _ = run_cli(["--db", db, *WINDOW], capsys)
    return code, json.loads(out)


def window_stage(s, name):
    return next(x for x in s["stages"] if x["stage"] == name)


def results(db):
    con = connect(db, read_only=True)
    try:
        return (
            con.execute("SELECT * EXCLUDE (run_id) FROM rated_usage ORDER BY ALL").fetchall(),
            con.execute(
                "SELECT * EXCLUDE (run_id) FROM usage_hourly_facts ORDER BY ALL"
            ).fetchall(),
            con.execute(
                "SELECT * EXCLUDE (run_id) FROM reconciliation_rows ORDER BY ALL"
            ).fetchall(),
        )
    finally:
        con.close()


# run every time (whatif and reports reuse their own results: inputs key, database state)
INPUT_STAGES = (
    "prices.bundled",
    "prices.discounts",
    "resolve",
    "whatif",
    "reports",
    "window_inputs",
)


def without_seconds(s):
    return [
        {k: v for k, v in st.items() if k != "seconds"}
        for st in s["stages"]
        if st["stage"] not in INPUT_STAGES
    ]


def test_an_unchanged_window_reuses_its_results_with_the_same_findings(tmp_path, capsys):
    db = seeded_db(tmp_path)  # one logged request and an unlogged invoice line: 1 finding
    code1, first = summary(db, capsys)
    tables = results(db)
    code2, second = summary(db, capsys)
    assert (code1, code2) == (1, 1)
    assert second["findings"] == first["findings"] == 1
    assert without_seconds(second) == without_seconds(first)
    assert len(without_seconds(first)) == 6  # attribute .. allocate
    # the window stages were not run again: their results are the stored ones (0 s each)
    assert window_stage(second, "aggregate")["seconds"] == 0.0
    assert window_stage(second, "reconcile")["seconds"] == 0.0
    assert window_stage(first, "aggregate")["rows_in"] == 1
    assert results(db) == tables
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM window_runs").fetchone() == (1,)
    con.close()


@pytest.mark.parametrize("change", ["new_record", "price_overlay", "other_window_first"])
def test_a_changed_input_or_another_window_recomputes(tmp_path, capsys, change):
    db = seeded_db(tmp_path, gap=False)
    code, first = summary(db, capsys)
    assert code == 0
    assert window_stage(first, "aggregate")["rows_in"] == 1
    if change == "new_record":
        con = connect(db)
        logged(con, tokens=2_000_000)
        con.close()
    elif change == "price_overlay":
        con = connect(db)
        con.execute(
            "INSERT INTO prices SELECT * REPLACE ('overlay-1' AS price_id, 'overlay' AS layer, "
            "price_usd * 2 AS price_usd) FROM prices WHERE base_model = 'amazon.nova-micro-v1:0' "
            "AND charge = 'input_tokens' AND region = 'us-east-1' LIMIT 1"
        )
        con.close()
    else:
        run_cli(["--db", db, "run", "--date", "2025-11-04"], capsys)
    _, second = summary(db, capsys)
    assert window_stage(second, "aggregate")["seconds"] > 0.0  # recomputed
    rate = window_stage(second, "rate")
    if change == "new_record":
        assert window_stage(second, "aggregate")["rows_in"] == 2
        # 3M tokens of Nova Micro input at $0.035 per 1M
        assert rate["amounts"]["list_cost_usd"] == "0.105000000000"
    elif change == "price_overlay":
        assert rate["amounts"]["list_cost_usd"] == "0.070000000000"  # the overlay's $0.07
    else:
        assert rate["amounts"]["list_cost_usd"] == "0.035000000000"


def test_report_files_are_kept_when_nothing_changed_and_rewritten_otherwise(tmp_path, capsys):
    """The nightly no-op keeps the report files written from the same database state; any
    change (a new record), a file edited by hand or a removed file writes them again."""
    db = seeded_db(tmp_path)
    out = tmp_path / "reports"
    args = ["--db", db, "run", "--date", "2025-11-03", "--json", "--reports-dir", str(out)]

    def reports():
        _, text, _ = run_cli(args, capsys)
        return window_stage(json.loads(text), "reports")["counts"]

    html = out / "report-2025-11-03_2025-11-03.html"
    first = reports()  # computes the window: writes
    assert "reused" not in first
    second = reports()  # nothing new, but this run started from the state the first published
    assert "reused" not in second
    written = html.read_bytes()
    third = reports()
    assert third == {"files": second["files"], "reused": second["files"]}
    assert html.read_bytes() == written
    html.write_text("edited", encoding="utf-8")
    assert "reused" not in reports()  # a file changed: written again
    assert html.read_bytes() == written
    assert reports().get("reused") == first["files"]
    con = connect(db)
    logged(con, tokens=2_000_000)
    con.close()
    assert "reused" not in reports()  # the database changed: written again
    assert html.read_bytes() != written
