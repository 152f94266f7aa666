"""Rating: hourly usage facts -> daily rated usage with exact DECIMAL money.

Input tables: ``usage_hourly_facts``, ``prices`` (through the ``price_book`` view),
``discounts``. Output table: ``rated_usage`` (the ``spend`` view). The arithmetic lives in
``queries/stages/rate.sql`` on DECIMAL(38, 12): Polars never touches money (its Decimal type is
flagged unstable), and DuckDB's DECIMAL division yields DOUBLE, so prices are applied by
multiplying with the inverted unit factor.

Invariants (docs/rating.md):

* every usage row in the window becomes exactly one rated row; a row with no price is
  ``priced = false`` with NULL costs and an ``unpriced_reason`` (``unknown_model`` / ``no_price``),
  counted as a finding (exit 1) - never $0;
* every priced row carries the ``price_id`` it was rated with, chosen by the price effective on
  the usage date, so re-rating a past window uses the prices of then;
* re-running a window replaces it (delete + insert in one transaction), and because rating is a
  pure function of the facts and the price rows, changing one price changes only the rows that
  price applies to.
"""

from __future__ import annotations

import time
from decimal import Decimal

from reconciler.db import transaction
from reconciler.db.sql import load
from reconciler.db.stage import StageContext, StageResult

__all__ = ["READS", "WRITES", "run"]

READS = ("usage_hourly_facts", "prices", "discounts")
WRITES = ("rated_usage",)


def run(ctx: StageContext) -> StageResult:
    """Re-rate the UTC days of ``ctx.window()`` (inclusive) from ``usage_hourly_facts``.

    Amounts in the result are exact decimal strings; unpriced rows are findings.
    """
    t0 = time.perf_counter()
    con, run_id = ctx.con, ctx.run_id
    start, end = ctx.window()
    window = {"start": start, "end": end}
    with transaction(con):
        con.execute(
            "DELETE FROM rated_usage WHERE usage_date >= $start AND usage_date <= $end", window
        )
        con.execute(load("stages/rate"), window | {"run_id": run_id})
    row = con.execute(
        "SELECT count(*), "
        "count(*) FILTER (WHERE NOT priced), "
        "count(*) FILTER (WHERE unpriced_reason = 'unknown_model'), "
        "count(*) FILTER (WHERE unpriced_reason = 'no_price'), "
        "coalesce(sum(quantity) FILTER (WHERE NOT priced), 0), "
        "coalesce(sum(list_cost_usd), 0), coalesce(sum(discount_usd), 0), "
        "coalesce(sum(cost_usd), 0) "
        "FROM rated_usage WHERE usage_date >= $start AND usage_date <= $end",
        window,
    ).fetchall()[0]
    rows, unpriced, unknown_model, no_price, unpriced_qty, list_cost, discount, cost = row
    facts = con.execute(
        "SELECT count(*) FROM usage_hourly_facts WHERE hour >= CAST($start AS TIMESTAMP) "
        "AND hour < CAST(CAST($end AS DATE) + 1 AS TIMESTAMP)",
        window,
    ).fetchall()[0]
    return StageResult(
        stage="rate",
        rows_in=int(facts[0]),
        rows_out=int(rows),
        counts={
            "unpriced_rows_unknown_model": int(unknown_model),
            "unpriced_rows_no_price": int(no_price),
            "unpriced_quantity": int(unpriced_qty),
        },
        amounts={
            "list_cost_usd": _money(list_cost),
            "discount_usd": _money(discount),
            "cost_usd": _money(cost),
        },
        findings=int(unpriced),
        seconds=time.perf_counter() - t0,
    )


def _money(value: Decimal | int) -> str:
    """Exact decimal string: the summary is JSON, and a float would lose cents at scale."""
    return format(Decimal(value).quantize(Decimal("0.000000000001")), "f")
