"""The one bulk insert: Python rows reach DuckDB as one Arrow table, amounts exact."""

from datetime import date
from decimal import Decimal

import pyarrow as pa

from reconciler.db import bulk

ROWS = pa.schema(
    [(c, pa.string()) for c in ("discount_id", "scope", "scope_value", "percent")]
    + [("effective_from", pa.date32()), ("effective_to", pa.date32())]
    + [(c, pa.string()) for c in ("source", "run_id", "origin")]
    + [("line_number", pa.int64())]
)


def test_rows_arrive_exact_in_one_statement(con):
    rows = [
        ("d1", "all", "*", "7.123456", date(2025, 1, 1), None, "EDP", "r1", "a.csv", 2),
        ("d2", "provider", "anthropic", "0.000001", date(2025, 2, 1), date(2025, 3, 1),
         "EDP", "r1", "a.csv", 3),
    ]  # fmt: skip
    assert bulk.insert(con, "pricebook/discounts_insert", bulk.rows_table(rows, ROWS)) == 2
    got = con.execute(
        "SELECT discount_id, percent, effective_to, line_number FROM discounts ORDER BY 1"
    ).fetchall()
    assert got == [
        ("d1", Decimal("7.123456"), None, 2),
        ("d2", Decimal("0.000001"), date(2025, 3, 1), 3),
    ]


def test_dict_rows_and_no_rows(con):
    row = {
        "discount_id": "d3", "scope": "all", "scope_value": "*", "percent": "2",
        "effective_from": date(2025, 1, 1), "effective_to": None, "source": "s",
        "run_id": "r", "origin": "o", "line_number": None, "ignored": "extra keys are dropped",
    }  # fmt: skip
    assert bulk.insert(con, "pricebook/discounts_insert", bulk.rows_table([row], ROWS)) == 1
    assert bulk.insert(con, "pricebook/discounts_insert", bulk.rows_table([], ROWS)) == 0
    assert con.execute("SELECT count(*), sum(percent) FROM discounts").fetchone() == (
        1,
        Decimal("2"),
    )


def test_an_unread_result_does_not_block_the_insert(con):
    con.execute("SELECT * FROM range(3)").fetchone()  # two rows left unread
    table = bulk.rows_table(
        [("d4", "all", "*", "1", date(2025, 1, 1), None, "s", "r", "o", 1)], ROWS
    )
    assert bulk.insert(con, "pricebook/discounts_insert", table) == 1
