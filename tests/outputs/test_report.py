import csv
import io
import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from support.report_data import DAY, HOSTILE, build

from reconciler.core.errors import ConfigError
from reconciler.outputs.report import RENDERERS, build_report, render, resolve_period

GOLDENS = Path(__file__).parents[1] / "goldens"


@pytest.fixture
def rated(con):
    build(con)
    return con


def test_totals_tie_out_to_the_spend_view_and_to_hand_computed_money(rated):
    rep = build_report(rated, DAY, DAY, ["team"])
    by_team = {r.keys[0]: r.cost_usd for r in rep.rows}
    assert by_team == {
        HOSTILE["unicode"]: Decimal("0.33"),
        HOSTILE["formula"]: Decimal("0.105"),
        HOSTILE["control"]: Decimal("0.07"),
        HOSTILE["script"]: Decimal("0.066"),
        HOSTILE["minus"]: Decimal("0.000035"),
        HOSTILE["pipe"]: Decimal("0.000000105"),
        HOSTILE["at"]: None,  # unpriced, never $0
    }
    assert rep.total.cost_usd == Decimal("0.571035105")
    view_total = rated.execute("SELECT sum(cost_usd) FROM spend").fetchall()[0][0]
    assert rep.total.cost_usd == view_total
    assert sum(c for c in by_team.values() if c is not None) == rep.total.cost_usd
    assert (rep.total.tokens, rep.total.requests) == (3_613_785, 9)
    assert (rep.total.unpriced_tokens, rep.unpriced_rows) == (782, 2)
    minus = next(r for r in rep.rows if r.keys == (HOSTILE["minus"],))
    assert (minus.unpriced_tokens, minus.unpriced_rows, minus.requests) == (5, 1, 2)
    assert minus.share == Decimal("0.000061")  # 0.000035 / 0.571035105 = 0.0000612...


def test_requests_are_counted_once_per_request_unless_grouped_by_charge(rated):
    by_model = build_report(rated, DAY, DAY, ["model"])
    assert by_model.total.requests == 9
    by_charge = build_report(rated, DAY, DAY, ["model", "charge"])
    got = {r.keys: r.requests for r in by_charge.rows}
    assert got[("amazon.nova-micro-v1:0", "input_tokens")] == 5
    assert got[("amazon.nova-micro-v1:0", "output_tokens")] == 1


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_golden_report_bytes(rated, fmt, request):
    text = render(build_report(rated, DAY, DAY, ["team", "application"]), fmt)
    golden = GOLDENS / f"report_by_team_application.{fmt}"
    if request.config.getoption("--update-goldens"):
        golden.write_bytes(text.encode("utf-8"))
    assert text.encode("utf-8") == golden.read_bytes()


def test_csv_neutralises_formulas_and_keeps_exact_amounts(rated):
    text = render(build_report(rated, DAY, DAY, ["team"]), "csv")
    rows = list(csv.reader(io.StringIO(text)))
    teams = [r[0] for r in rows[1:]]
    for team in teams:
        assert not team.startswith(("=", "+", "-", "@")), team
    assert "'" + HOSTILE["formula"] in teams
    assert "'@SUM(1+1)" in teams
    assert "'-2+3" in teams
    assert rows[-1][:2] == ["TOTAL", "0.571035105000"]
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text.replace("\r\n", ""))


def test_markdown_cells_cannot_break_out(rated):
    text = render(build_report(rated, DAY, DAY, ["team"]), "md")
    assert "<" not in text
    assert "&lt;script&gt;" in text
    table = [line for line in text.splitlines() if line.startswith("|")]
    for line in table:  # every row has exactly 7 unescaped cell separators
        assert line.replace("\\|", "").count("|") == 7, line
    assert "\\[x\\](y)" in text


def test_table_strips_control_and_bidi_characters(rated):
    text = render(build_report(rated, DAY, DAY, ["team"]), "table")
    for bad in ("\x1b", "\u202e", "\x07"):
        assert bad not in text
    assert "evil[31mred" in text
    at_line = next(line for line in text.splitlines() if line.startswith("@SUM(1+1)"))
    assert at_line.split()[1] == "unpriced"  # never 0.00


def test_json_carries_exact_strings_and_null_for_unpriced(rated):
    doc = json.loads(render(build_report(rated, DAY, DAY, ["team"]), "json"))
    assert doc["total"]["cost_usd"] == "0.571035105000"
    at_row = next(r for r in doc["rows"] if r["team"] == HOSTILE["at"])
    assert at_row["cost_usd"] is None
    assert {r["team"] for r in doc["rows"]} == set(HOSTILE.values())  # faithful strings


def test_bad_dimensions_and_periods_are_usage_errors(rated):
    with pytest.raises(ConfigError, match=r"--by: unknown dimension 'teams'; choose from team"):
        build_report(rated, DAY, DAY, ["teams"])
    with pytest.raises(ConfigError, match="after --end"):
        build_report(rated, DAY.replace(day=4), DAY, ["team"])


def test_default_period_is_the_last_full_utc_day(rated):
    # data on 2025-11-03 only
    assert resolve_period(rated, None, None, DAY.replace(day=4)) == (DAY, DAY)
    # all data is from "today": the partial day is still the best there is
    assert resolve_period(rated, None, None, DAY) == (DAY, DAY)
    assert resolve_period(rated, DAY.replace(day=1), None, DAY.replace(day=9)) == (
        DAY.replace(day=1),
        DAY,
    )


def test_empty_database_defaults_to_yesterday(con):
    assert resolve_period(con, None, None, DAY) == (DAY.replace(day=2), DAY.replace(day=2))
    rep = build_report(con, DAY, DAY, ["team"])
    assert rep.rows == ()
    assert rep.total.cost_usd is None
