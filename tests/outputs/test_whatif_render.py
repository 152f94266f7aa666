"""The what-if formats: exact amounts in csv/json, cents in table/md/html, untrusted names escaped,
unpriced never shown as 0."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal as D

import pytest

from reconciler.core.errors import ConfigError
from reconciler.outputs.whatif_render import render_whatif, savings_section
from reconciler.stages.whatif import Whatif, WhatifOptions, WhatifRow

EVIL = "<script>alert(1)</script>|*x*"


def row(**kw) -> WhatifRow:
    base = {
        "scenario": "batch", "direction": "candidate", "team": EVIL, "application": "=1+1",
        "base_model": "m", "region": "us-east-1", "from_": "on_demand", "to": "batch",
        "quantity": 1_000_000, "unit": "token", "current_cost_usd": D("0.550000000000"),
        "whatif_cost_usd": D("0.275000000000"), "savings_usd": D("0.275000000000"),
        "priced": True, "unpriced_reason": None, "assumption": "a & b", "detail": "",
        "rank": 1, "command": "reconciler whatif --scenario batch",
    }  # fmt: skip
    return WhatifRow(**(base | kw))


RESULT = Whatif(
    start=date(2025, 11, 3),
    end=date(2025, 11, 3),
    options=WhatifOptions(scenarios=("batch",)),
    rows=(
        row(),
        row(application="b", whatif_cost_usd=None, savings_usd=None, priced=False,
            unpriced_reason="no_target_price", current_cost_usd=D("0.1")),
        row(application="c", direction="unchanged", from_="batch", to="batch", rank=None,
            whatif_cost_usd=D("0.2"), current_cost_usd=D("0.2"), savings_usd=D(0)),
    ),
    spend_total_usd=D("0.85"),
)  # fmt: skip


def test_csv_has_every_row_with_exact_amounts_and_neutralised_cells():
    rows = list(csv.DictReader(io.StringIO(render_whatif(RESULT, "csv"))))
    assert len(rows) == 3
    assert rows[0]["team"] == EVIL  # no formula start: kept as is
    assert rows[0]["application"] == "'=1+1"
    assert rows[0]["savings_usd"] == "0.275000000000"
    assert (rows[1]["whatif_cost_usd"], rows[1]["savings_usd"], rows[1]["priced"]) == (
        "",
        "",
        "false",
    )
    assert sum(D(r["current_cost_usd"]) for r in rows) == D("0.85")


def test_json_is_exact_and_unpriced_is_null():
    doc = json.loads(render_whatif(RESULT, "json"))
    assert doc["rows"][1]["whatif_cost_usd"] is None
    assert doc["rows"][0]["current_cost_usd"] == "0.550000000000"
    (total,) = doc["totals"]
    assert total["current_cost_usd"] == "0.850000000000"
    assert total["savings_usd"]["candidate"] == "0.275000000000"  # the unpriced row is left out
    assert total["unpriced_rows"] == 1


def test_table_and_md_show_cents_and_unpriced():
    table = render_whatif(RESULT, "table")
    assert "candidate savings 0.28" in table
    assert "1 unpriced rows (current 0.10 not re-priced" in table
    assert "unpriced" in table.split("== batch")[1]
    md = render_whatif(RESULT, "md")
    assert "&lt;script" not in md  # markdown escapes, it does not entity-encode
    assert "\\<script\\>" in md
    assert "\\|" in md


def test_html_escapes_every_name():
    page = render_whatif(RESULT, "html")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &amp; b" in page
    section = savings_section(RESULT.rows)
    assert section.count("<tr>") == 2  # header + the one priced candidate with a saving
    assert "0.28" in section
    assert "No what-if was computed" in savings_section(None)


def test_a_loss_below_half_a_cent_is_not_minus_zero():
    tiny = Whatif(
        RESULT.start, RESULT.end, RESULT.options,
        (row(savings_usd=D("-0.004"), whatif_cost_usd=D("0.554")),), D("0.55"),
    )  # fmt: skip
    table = render_whatif(tiny, "table")
    assert "-0.00" not in table
    assert "candidate savings 0.00" in table


def test_unknown_format_is_a_usage_error():
    with pytest.raises(ConfigError):
        render_whatif(RESULT, "xml")
