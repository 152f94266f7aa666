import json

import pytest
from support.report_data import build

from reconciler.cli import main
from reconciler.db import connect, migrate


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "r.duckdb")
    con = connect(path)
    migrate(con)
    build(con)
    con.close()
    return path


def test_report_exits_1_when_the_period_has_unpriced_usage(db, capsys):
    code, out, err = run_cli(
        ["--db", db, "report", "--start", "2025-11-03", "--end", "2025-11-03", "--format", "json"],
        capsys,
    )
    assert code == 1
    assert json.loads(out)["total"]["cost_usd"] == "0.571035105000"
    assert err == (
        "reconciler: warning: 2 spend rows in 2025-11-03..2025-11-03 have no price; their cost "
        "is not in the totals (see the spend view, priced = false)\n"
    )


def test_report_exits_0_when_everything_is_priced_and_writes_out(db, tmp_path, capsys):
    con = connect(db)
    con.execute("DELETE FROM rated_usage WHERE NOT priced")
    con.close()
    out_file = tmp_path / "r.csv"
    code, out, err = run_cli(
        ["--db", db, "report", "--format", "csv", "--out", str(out_file)], capsys
    )
    assert (code, out, err) == (0, "", "")
    lines = out_file.read_bytes().split(b"\r\n")
    assert lines[0].startswith(b"team,cost_usd,")
    assert lines[-2].startswith(b"TOTAL,0.571035105000,")  # default period: the last full day


def test_unknown_dimension_is_a_usage_error(db, capsys):
    code, out, err = run_cli(["--db", db, "report", "--by", "team,colour"], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("reconciler: error: --by: unknown dimension 'colour'; choose from team,")


def test_bad_date_is_a_usage_error(db, capsys):
    code, _, err = run_cli(["--db", db, "report", "--start", "yesterday"], capsys)
    assert code == 2
    assert "Invalid value for '--start'" in err


def test_format_html_writes_the_self_contained_html_report(db, tmp_path, capsys):
    from datetime import date

    from reconciler.outputs.html_report import render_html
    from reconciler.outputs.report_data import build_report_data
    from reconciler.outputs.whatif_render import stored_savings_section

    out_file = tmp_path / "r.html"
    args = ["--db", db, "report", "--start", "2025-11-03", "--end", "2025-11-03"]
    code, out, err = run_cli([*args, "--format", "html", "--out", str(out_file)], capsys)
    assert (code, out) == (1, "")  # the period has unpriced usage, as in every other format
    assert "2 spend rows in 2025-11-03..2025-11-03 have no price" in err
    html = out_file.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Amazon Bedrock spend report, 2025-11-03 to 2025-11-03</title>" in html
    con = connect(db, read_only=True)
    try:  # the CLI is wiring only: the page is exactly what the library renders
        day = date(2025, 11, 3)
        savings = stored_savings_section(con, day, day)  # no what-if stored: says how to get one
        assert html == render_html(build_report_data(con, day, day), [savings])
    finally:
        con.close()
    code, out, _ = run_cli([*args, "--format", "html"], capsys)
    assert (code, out) == (1, html)  # byte for byte: no escape stripped on the way
