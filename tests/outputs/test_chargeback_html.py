"""The chargeback in the HTML report: the per-team amounts sum to the invoice to the cent and the
negative one carries its reason (figures by hand in chargeback_month.py)."""

from __future__ import annotations

import re
from decimal import Decimal as D

import support.chargeback_month as m

from reconciler.db import connect, migrate
from reconciler.outputs.html_report import render_html
from reconciler.outputs.report_data import build_report_data


def _rows(doc: str, css: str) -> list[list[str]]:
    found = re.search(rf'<table class="{css}">(.*?)</table>', doc)
    assert found, css
    return [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)]
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1))
    ]


def test_html_chargeback_sums_to_the_invoice_and_explains_the_negative_team():
    con = connect(":memory:")
    migrate(con)
    m.build(con)
    doc = render_html(build_report_data(con, m.START, m.END))
    con.close()
    # the chargeback is the first section
    assert doc.index('<section id="chargeback">') < doc.index('<section id="team-spend">')
    assert "<h3>Billing period 2025-11: invoiced 9.65, ties to the cent</h3>" in doc
    rows = _rows(doc, "chargeback-table")
    assert rows[0] == [
        "Team", "Owes (USD)", "Usage", "Non-token", "Credits", "Unattributed", "Rated (USD)", "Why",
    ]  # fmt: skip
    body = {r[0]: r for r in rows[1:]}
    assert {t: D(r[1]) for t, r in body.items() if t != "Total"} == m.OWED
    assert sum(D(r[1]) for t, r in body.items() if t != "Total") == m.INVOICE
    assert body["Total"][1:6] == ["9.65", "10.20", "2.20", "-3.30", "0.55"]
    assert body["tiny"][1:7] == ["-0.10", "0.20", "", "-0.30", "", "0.10"]
    assert body["tiny"][7].startswith("negative: credits -0.30 (credit lines that name no model")
    assert '<span class="neg">-0.10</span>' in doc
    for team, r in body.items():
        if team != "Total" and D(r[1]) < 0:
            assert r[7].startswith("negative: "), team
