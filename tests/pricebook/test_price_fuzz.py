"""Hypothesis fuzz of price files: odd numbers, unicode, missing and extra fields.

Whatever a user's price CSV holds, ``prices validate`` and ``prices load`` answer with exit 0
(good file) or 2 (lines naming the file), never 70, and agree with each other; a refused file
writes nothing, an accepted one writes exactly its row.
"""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.cli import main

HEADER = [
    "model", "region", "routing", "tier", "mode", "charge", "unit", "price_usd",
    "effective_from", "effective_to", "source",
]  # fmt: skip
GOOD = [
    "amazon.nova-micro-v1:0", "us-east-1", "*", "standard", "on_demand", "input_tokens",
    "1M tokens", "0.035", "2025-01-01", "", "fuzz",
]  # fmt: skip
ODD = st.sampled_from(
    [
        "",
        " ",
        "*",
        "1e400",
        "-1e400",
        "1e-400",
        "NaN",
        "Infinity",
        "-0",
        "0",
        "-0.01",
        "99999999999999999999999999999999",
        "0.0000000000000000001",
        "1_000",
        "0x10",
        "١٢",
        "2025-02-30",
        "9999-12-31",
        "0001-01-01",
        "=cmd()",
        "\u202egnp.exe",
        "é" * 300,
        "a,b",
        '"',
        "\x00",
        "1M tokens",
        "hour",
        "global",
        "batch",
        "flex",
    ]
)


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@st.composite
def price_rows(draw):
    row = list(GOOD)
    for i in draw(st.sets(st.integers(0, len(row) - 1), max_size=3)):
        row[i] = draw(st.one_of(ODD, st.text(max_size=20)))
    cut = draw(st.sampled_from([None, None, None, 5, 10]))  # missing trailing fields
    extra = draw(st.lists(st.text(max_size=5), max_size=2))  # extra fields
    return (row[:cut] if cut else row) + extra


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(row=price_rows())
def test_any_price_row_is_loaded_or_refused_never_a_crash(tmp_path_factory, capsys, row):
    tmp = tmp_path_factory.mktemp("fuzz")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerow(row)
    path = tmp / "p.csv"
    path.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
    db = str(tmp / "r.duckdb")

    v_code, _, v_err = run_cli(["prices", "validate", str(path)], capsys)
    l_code, _, l_err = run_cli(["--db", db, "prices", "load", str(path)], capsys)

    assert v_code in (0, 2), v_err
    assert l_code == v_code, (v_err, l_err)
    if v_code == 2:
        assert v_err
        assert all(str(path) in line for line in v_err.splitlines())  # each line names it
    stored = 0
    if (tmp / "r.duckdb").exists():
        with duckdb.connect(db, read_only=True) as con:
            (stored,) = con.execute(
                "SELECT count(*) FROM prices WHERE layer = 'overlay'"
            ).fetchone()
    assert stored == (1 if v_code == 0 else 0)
