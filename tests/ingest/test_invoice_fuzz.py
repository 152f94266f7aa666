"""Hypothesis fuzz over CUR 2.0 rows (issue 15): odd and huge numbers, unicode, missing and extra
columns. Each example asserts no exception (a crash is exit 70 on every later ingest), every good
row loaded with its exact cost, every bad Bedrock row quarantined. The expected figures come from
the generated rows (Python Decimal), never from the code under test."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.core.config import Settings
from reconciler.core.quarantine import Problems
from reconciler.db import connect, migrate
from reconciler.ingest import invoices
from tests.support.stage import stage_ctx

COLUMNS = [
    "bill_billing_period_start_date", "line_item_usage_start_date", "line_item_usage_end_date",
    "line_item_usage_account_id", "line_item_product_code", "line_item_usage_type",
    "line_item_line_item_type", "line_item_usage_amount", "line_item_unblended_cost",
]  # fmt: skip
OPTIONAL = ("line_item_usage_end_date", "line_item_usage_amount", "line_item_line_item_type")
# Text DuckDB must not take for a DECIMAL(38, 12) amount (checked by hand in a DuckDB shell):
# words, locale and other scripts' digits, hex, two signs or points, and magnitudes beyond the
# guard (|cost| < 10^12, |quantity| < 10^15 units).
BAD_NUMBERS = [
    "NaN", "inf", "-inf", "1e400", "1,5", "١٢٣", "0x1F", "--1", "1.2.3", "abc", "½", "9" * 40,
    "1e16", "-" + "9" * 20, "1" + "0" * 12,
]  # fmt: skip
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=0, max_size=24
)


@dataclass
class Row:
    cells: dict[str, str]
    good: bool  # a Bedrock row that must load
    bedrock: bool
    cost: D


def fmt_number(value: D, style: int) -> str:
    text = format(value, "f")
    if style == 1:
        return f"  {text} "
    if style == 2 and value >= 0:
        return "+" + text
    return text


@st.composite
def rows(draw: st.DrawFn, index: int) -> Row:
    kind = draw(st.sampled_from(["usage", "usage", "credit", "bad_cost", "bad_date", "no_account",
                                 "negative_usage", "ec2"]))  # fmt: skip
    style = draw(st.integers(0, 2))
    # huge but in range: up to 10^11 USD and 10^14 units
    usage = draw(st.decimals(min_value=0, max_value=D("1e11"), places=6, allow_nan=False))
    amount = draw(st.decimals(min_value=0, max_value=D("1e14"), places=4, allow_nan=False))
    day = 1 + index % 28
    cells = {
        "bill_billing_period_start_date": "2025-11-01T00:00:00Z",
        "line_item_usage_start_date": f"2025-11-{day:02d}T{index % 24:02d}:00:00Z",
        "line_item_usage_end_date": f"2025-11-{day:02d}T{index % 24:02d}:59:59Z",
        "line_item_usage_account_id": draw(st.sampled_from(["111122223333", "42", "０１２３"])),
        "line_item_product_code": "AmazonBedrock",
        # unicode usage types are not understood (charge other, unmapped) but still billed
        "line_item_usage_type": draw(TEXT) + f"-{index}",
        "line_item_line_item_type": "Usage",
        "line_item_usage_amount": fmt_number(amount, style),
        "line_item_unblended_cost": fmt_number(usage, style),
    }
    cost, good, bedrock = usage, True, True
    if kind == "credit":
        cells["line_item_line_item_type"] = "Credit"
        cells["line_item_unblended_cost"] = fmt_number(-usage, 0)
        cost = -usage
    elif kind == "bad_cost":
        cells["line_item_unblended_cost"] = draw(st.sampled_from(BAD_NUMBERS))
        good = False
    elif kind == "bad_date":
        cells["line_item_usage_start_date"] = draw(st.sampled_from(["yesterday", "2025-13-45", ""]))
        good = False
    elif kind == "no_account":
        cells["line_item_usage_account_id"] = draw(st.sampled_from(["", "   "]))
        good = False
    elif kind == "negative_usage":
        cells["line_item_unblended_cost"] = "-" + format(usage + D("0.01"), "f")
        good = False
    elif kind == "ec2":
        cells["line_item_product_code"] = "AmazonEC2"
        cells["line_item_usage_type"] = f"BoxUsage:t3.micro-{index}"
        good, bedrock = False, False
    return Row(cells, good, bedrock, cost)


@st.composite
def cur_files(draw: st.DrawFn) -> tuple[list[str], list[Row], list[str]]:
    n = draw(st.integers(1, 12))
    generated = [draw(rows(i)) for i in range(n)]
    dropped = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=2))
    extra = draw(st.lists(TEXT, max_size=3))
    return [c for c in COLUMNS if c not in dropped], generated, [f"x_{e}" for e in extra]


def write_csv(path: Path, header: list[str], generated: list[Row], extra: list[str]) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header + extra)
    for r in generated:
        w.writerow([r.cells[c] for c in header] + ["é" * i for i, _ in enumerate(extra)])
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def fuzz_con() -> Iterator[duckdb.DuckDBPyConnection]:
    """One migrated database for every example (emptied before each): migrating per example
    would make the fuzz several times slower."""
    con = connect(":memory:")
    migrate(con)
    yield con
    con.close()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cur_files())
def test_fuzzed_cur_rows_load_or_quarantine_never_crash(fuzz_con, case):
    header, generated, extra = case
    con = fuzz_con
    for table in ("invoice_line_items", "quarantine_records", "source_objects"):
        con.execute(f"DELETE FROM {table}")
    good = [r for r in generated if r.good]
    bad_bedrock = [r for r in generated if not r.good and r.bedrock]
    # a Usage line with no amount column is still a line; a row whose line type column was
    # dropped is a Usage line (the default), so a credit in it is a negative Usage line
    if "line_item_line_item_type" not in header:
        for r in list(good):
            if r.cells["line_item_line_item_type"] == "Credit" and r.cost < 0:
                good.remove(r)
                bad_bedrock.append(r)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cur.csv"
        write_csv(path, header, generated, extra)
        problems = Problems()
        result = invoices.run(
            stage_ctx(con, "fuzz", settings=Settings(), problems=problems), sources=[str(path)]
        )
        loaded, total = con.execute(
            "SELECT count(*), coalesce(sum(unblended_cost_usd), 0) FROM invoice_lines"
        ).fetchone()
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    assert loaded == len(good)
    assert total == sum((r.cost for r in good), D(0))
    assert quarantined == len(bad_bedrock)
    assert result.counts["non_bedrock_rows"] == sum(1 for r in generated if not r.bedrock)
    assert set(problems.by_reason()) <= {"bad_field", "negative_usage_cost"}


def test_huge_quantity_within_decimal_range_is_quarantined_not_a_crash(tmp_path):
    # 10^25 thousands of tokens: a valid DECIMAL(38, 12), but x 1,000 tokens per unit it would
    # overflow the token column (26 integer digits) and stop every later ingest
    header = ",".join(COLUMNS)
    row = ("2025-11-01T00:00:00Z,2025-11-03T00:00:00Z,2025-11-04T00:00:00Z,111122223333,"
           "AmazonBedrock,USE1-NovaMicro-input-tokens,Usage,1" + "0" * 25 + ",1.5")  # fmt: skip
    ok = ("2025-11-01T00:00:00Z,2025-11-03T00:00:00Z,2025-11-04T00:00:00Z,111122223333,"
          "AmazonBedrock,USE1-NovaMicro-output-tokens,Usage,2,0.00028")  # fmt: skip
    path = tmp_path / "cur.csv"
    path.write_text(f"{header}\n{row}\n{ok}\n")
    con = connect(":memory:")
    migrate(con)
    problems = Problems()
    invoices.run(stage_ctx(con, "r", settings=Settings(), problems=problems), sources=[str(path)])
    assert con.execute(
        "SELECT count(*), sum(unblended_cost_usd) FROM invoice_lines"
    ).fetchone() == (1, D("0.00028"))
    assert [(p.line_number, p.reason.value) for p in problems.items] == [(2, "bad_field")]
