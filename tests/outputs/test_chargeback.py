"""The chargeback (`report --basis invoice`): per team it sums to the invoice to the cent in every
output, and each negative amount carries its reason. Figures by hand in chargeback_month.py."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from decimal import Decimal as D

import pytest
import support.chargeback_month as m

from reconciler.cli import main
from reconciler.db import connect, migrate
from reconciler.outputs.export_focus import export_focus, render_csv

WINDOW = ["--start", m.START.isoformat(), "--end", m.END.isoformat()]


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "cb.duckdb")
    con = connect(path)
    migrate(con)
    m.build(con)
    con.close()
    return path


def cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_the_view_sums_to_the_invoice_and_its_parts_to_the_amount(db):
    # the premise, by an independent route: plain SQL over the public views
    con = connect(db, read_only=True)
    invoiced = con.execute("SELECT sum(invoiced_cost_usd) FROM reconciliation").fetchone()[0]
    rows = con.execute(
        "SELECT team, sum(allocated_usd), sum(usage_usd), sum(non_token_usd), sum(idle_usd),"
        " sum(credit_usd), sum(tax_or_fee_usd), sum(unattributed_usd) FROM allocated_spend"
        " WHERE billing_period = DATE '2025-11-01' GROUP BY team"
    ).fetchall()
    con.close()
    assert invoiced == m.INVOICE
    assert {r[0]: r[1] for r in rows} == m.OWED
    assert {r[0]: tuple(r[2:]) for r in rows} == m.PARTS


def test_table_shows_each_team_the_total_tied_and_why_tiny_is_negative(db, capsys):
    code, out, err = cli(["--db", db, "report", *WINDOW, "--basis", "invoice"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Chargeback by team, billing period 2025-11 (invoiced cost, USD)"
    body = {ln.split()[1]: ln.split() for ln in lines if ln.startswith("2025-11 ")}
    for team, owed in m.OWED.items():
        assert D(body[team][2]) == owed
    assert D(body["TOTAL"][2]) == m.INVOICE
    # owes, usage, non-token, credits, unattributed, rated, note for tiny
    assert body["tiny"][2:] == ["-0.10", "0.20", "-0.30", "0.10", body["tiny"][-1]]
    note = body["tiny"][-1]
    explained = next(ln for ln in lines if ln.startswith(f"{note} tiny:"))
    assert "negative: credits -0.30" in explained
    assert "exceed the 0.20 charged this period" in explained
    assert "2025-11: ties to the invoice: 9.65 = 9.650000000000 USD invoiced" in out


def test_csv_rows_sum_to_the_invoice_and_carry_their_parts(db, capsys):
    code, out, _ = cli(
        ["--db", db, "report", *WINDOW, "--basis", "invoice", "--format", "csv"], capsys
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["billing_period"] for r in rows} == {"2025-11-01"}
    assert sum(D(r["amount_usd"]) for r in rows) == m.INVOICE
    got = {r["team"]: r for r in rows}
    assert {t: D(r["amount_usd"]) for t, r in got.items()} == m.OWED
    parts = ("usage", "non_token", "idle", "credit", "tax_or_fee", "unattributed")
    for team, expected in m.PARTS.items():
        assert tuple(D(got[team][f"{p}_usd"]) for p in parts) == expected
        rated = got[team]["rated_usd"]
        assert (D(rated) if rated else None) == m.RATED[team]
    for r in rows:  # every negative amount carries its reason
        if D(r["amount_usd"]) < 0:
            assert r["explanation"].startswith("negative: credits -0.30 (credit lines that name")
    assert got["unattributed"]["explanation"].startswith("unattributed 0.55: billed usage")
    assert got["search"]["explanation"].startswith("credits -1.80: credit lines")


def test_json_by_team_and_application_sums_to_the_invoice(db, capsys):
    code, out, _ = cli(
        ["--db", db, "report", *WINDOW, "--by", "team,application", "--format", "json"], capsys
    )
    assert code == 0  # default basis: the window has an allocated invoice -> invoice
    doc = json.loads(out)
    assert doc["basis"] == "invoice"
    assert {(r["team"], r["application"]) for r in doc["rows"]} == set(m.APPS.items())
    assert sum(D(r["amount_usd"]) for r in doc["rows"]) == m.INVOICE
    assert {r["team"]: D(r["amount_usd"]) for r in doc["rows"]} == m.OWED
    [period] = doc["periods"]
    assert (period["billing_period"], D(period["amount_usd"]), period["ties"]) == (
        "2025-11-01",
        m.INVOICE,
        True,
    )
    assert D(period["invoiced_usd"]) == m.INVOICE
    negative = [r for r in doc["rows"] if D(r["amount_usd"]) < 0]
    assert [r["team"] for r in negative] == ["tiny"]
    assert negative[0]["explanation"].startswith("negative: credits -0.30")


def test_list_basis_is_the_rated_report(db, capsys):
    code, out, _ = cli(
        ["--db", db, "report", *WINDOW, "--basis", "list", "--format", "json"], capsys
    )
    assert code == 0
    assert json.loads(out)["total"]["cost_usd"] == "1.100000000000"  # 0.60 + 0.40 + 0.10


def test_a_stale_allocation_does_not_tie_and_exits_1(db, capsys):
    con = connect(db)
    con.execute("DELETE FROM allocated_spend_rows WHERE team = 'unattributed'")
    con.close()
    code, out, err = cli(["--db", db, "report", *WINDOW, "--basis", "invoice"], capsys)
    assert code == 1
    assert "2025-11: DOES NOT TIE: allocated 9.10 against 9.650000000000 USD invoiced" in out
    assert "does not tie to an invoice" in err


def test_unknown_dimension_for_the_chargeback_is_a_usage_error(db, capsys):
    args = ["--db", db, "report", *WINDOW, "--basis", "invoice", "--by", "tier"]
    code, _, err = cli(args, capsys)
    assert code == 2
    assert "the chargeback groups by team, application, model, account, charge" in err


def test_focus_export_per_team_sums_to_the_invoice(db):
    con = connect(db, read_only=True)
    table, summary = export_focus(con, m.START.replace(day=1), m.END.replace(day=30))
    con.close()
    per_team: dict[str, D] = defaultdict(D)
    for r in csv.DictReader(io.StringIO(render_csv(table))):
        per_team[r["x_Team"]] += D(r["BilledCost"])
    assert dict(per_team) == m.OWED
    assert summary.billed_total_usd == m.INVOICE
