"""Property: for any non-overlapping overlay ranges over a bundled price, price_at picks the
overlay exactly on the days an overlay range covers, and price_book never overlaps itself."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.db import connect, migrate
from reconciler.pricebook.entries import PriceEntry, PriceKey
from reconciler.pricebook.store import replace_entries

KEY = PriceKey("amazon.nova-micro-v1:0", "us-east-1", "*", "standard", "on_demand", "input_tokens")
DAY0 = date(2025, 1, 1)
_CON: list[duckdb.DuckDBPyConnection] = []


def _con() -> duckdb.DuckDBPyConnection:
    """One migrated in-memory database for all examples (migrating per example is slow)."""
    if not _CON:
        con = connect(":memory:")
        migrate(con)
        _CON.append(con)
    return _CON[0]


@st.composite
def overlay_ranges(draw):
    cuts = sorted(draw(st.sets(st.integers(0, 40), min_size=0, max_size=8)))
    ranges = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        ranges.append((a, b if draw(st.booleans()) or b != cuts[-1] else None))
    return [(a, b) for a, b in ranges if b is None or b > a]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overlay_ranges())
def test_overlay_wins_exactly_where_it_applies(ranges):
    con = _con()
    con.execute("DELETE FROM prices")
    bundled = PriceEntry(KEY, "1M tokens", Decimal("0.035"), DAY0, None, "bundled", "b", origin="b")
    overlays = [
        PriceEntry(
            KEY,
            "1M tokens",
            Decimal(i + 1),
            DAY0 + timedelta(a),
            DAY0 + timedelta(b) if b is not None else None,
            "overlay",
            f"o{i}",
            origin="o",
        )
        for i, (a, b) in enumerate(ranges)
    ]
    replace_entries(con, [bundled], layer="bundled", origins=None, run_id="r")
    replace_entries(con, overlays, layer="overlay", origins=None, run_id="r")
    got = con.execute(
        "SELECT (SELECT price_usd FROM price_at('amazon.nova-micro-v1:0', 'us-east-1', 'geo',"
        " 'standard', 'on_demand', 'input_tokens', 'standard', d::DATE))"
        " FROM range(DATE '2025-01-01', DATE '2025-02-15', INTERVAL 1 DAY) t(d) ORDER BY d"
    ).fetchall()
    expected = []
    for offset in range(45):
        price = Decimal("0.035")
        for i, (a, b) in enumerate(ranges):
            if a <= offset and (b is None or offset < b):
                price = Decimal(i + 1)
        expected.append((price,))
    assert got == expected, ranges
    rows = con.execute(
        "SELECT effective_from, effective_to FROM price_book ORDER BY effective_from"
    ).fetchall()
    for (_, end), (start, _) in itertools.pairwise(rows):
        assert end is not None
        assert end <= start
