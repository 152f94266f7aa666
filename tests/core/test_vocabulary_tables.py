"""The vocabulary tables of migration 0017 hold exactly what reconciler.core.vocabulary says.

The SQL joins these tables instead of listing values, so a drift between the Python definition
and the rows would make the stages and the views disagree with the validators. The expected
rows are written out here by hand (an independent route), not read back from the module alone.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from reconciler.core import vocabulary as v
from reconciler.db.sql import load


def test_charges_table_is_the_charge_vocabulary_in_order(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT charge, token, request_order, inference FROM vocab_charges ORDER BY position"
    ).fetchall()
    assert [r[0] for r in rows] == list(v.CHARGES)
    assert [r[0] for r in rows if r[1]] == sorted(v.TOKEN_CHARGES, key=v.CHARGES.index)
    by_order = sorted((r for r in rows if r[2] is not None), key=lambda r: r[2])
    assert [r[0] for r in by_order] == list(v.REQUEST_CHARGES)
    assert [r[0] for r in rows if not r[3]] == list(v.NON_INFERENCE_CHARGES)
    # by hand: the order a request's charges are counted in, and the token classes
    assert v.REQUEST_CHARGES == (
        "input_tokens",
        "cache_read_input_tokens",
        "cache_write_input_tokens",
        "cache_write_1h_input_tokens",
        "output_tokens",
        "images",
    )
    assert set(v.TOKEN_CHARGES) == set(v.REQUEST_CHARGES) - {"images"}


def test_modes_causes_layers_tiers_tables(con: duckdb.DuckDBPyConnection) -> None:
    modes = con.execute("SELECT mode, capacity FROM vocab_modes ORDER BY position").fetchall()
    assert [m for m, _ in modes] == list(v.MODES)
    assert (
        [m for m, cap in modes if cap]
        == list(v.CAPACITY_MODES)
        == [
            "provisioned",
            "custom_import",
        ]
    )
    causes = con.execute("SELECT cause FROM vocab_causes ORDER BY position").fetchall()
    assert [c for (c,) in causes] == list(v.CAUSES)
    assert len(v.CAUSES) == 11
    assert (v.CAUSES[0], v.CAUSES[-1]) == ("unlogged_usage", "rounding")
    layers = con.execute("SELECT layer, rank FROM vocab_price_layers ORDER BY rank").fetchall()
    assert layers == [("overlay", 1), ("price_list", 2), ("bundled", 3)]
    assert tuple(layer for layer, _ in layers) == v.PRICE_LAYERS
    tiers = con.execute("SELECT tier FROM vocab_tiers ORDER BY position").fetchall()
    assert [t for (t,) in tiers] == list(v.TIERS)


def test_aggregate_groups_quantity_columns_are_in_request_order() -> None:
    """aggregate_groups.sql finds a request's first charge with a CASE over the quantities in
    request order (vocabulary.REQUEST_CHARGES); a request with one non-zero charge must be
    counted in that charge's ``<charge>_first`` column and in no other."""
    con = duckdb.connect(":memory:")
    con.execute(load("schema/0017_vocabulary"))
    one = {c: [0] for c in v.REQUEST_CHARGES} | {"cache_write_1h_input_tokens": [None]}
    requests = pl.DataFrame(
        {
            "event_time": [dt.datetime(2025, 11, 3, 12, tzinfo=dt.UTC)],
            "account_id": ["1"],
            "region": ["r"],
            "base_model": ["m"],
            "model_resolved": [True],
            "routing": ["in_region"],
            "operation": ["Converse"],
            "model_mode": [None],
            "service_tier": [None],
            "team": ["t"],
            "application": ["a"],
            "attribution_rule": ["default"],
            "long_context_threshold": [None],
            **one,
        }
    )
    requests = requests.rename({"images": "image_count"})
    for charge in v.REQUEST_CHARGES:
        column = "image_count" if charge == "images" else charge
        # the 1-hour part is a part of all cache writes: it needs writes to be split from
        also = ["cache_write_input_tokens"] if charge == "cache_write_1h_input_tokens" else []
        frame = requests.with_columns(pl.lit(7, dtype=pl.Int64).alias(c) for c in [column, *also])
        con.register("requests", frame)
        got = con.sql(load("stages/aggregate_groups")).fetchall()
        cols = con.sql(load("stages/aggregate_groups")).columns
        firsts = {c: got[0][cols.index(f"{c}_first")] for c in v.REQUEST_CHARGES}
        assert firsts == {c: int(c == charge) for c in v.REQUEST_CHARGES}
    con.close()
