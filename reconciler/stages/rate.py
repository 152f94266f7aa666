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
from reconciler.db.sql import execute
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
        execute(con, "stages/rate_delete", window)
        execute(con, "stages/rate", window | {"run_id": run_id})
    row = execute(con, "stages/rate_summary", window).fetchall()[0]
    facts, rows, unpriced, unknown_model, no_price, unpriced_qty, list_cost, discount, cost = row
    return StageResult(
        stage="rate",
        rows_in=int(facts),
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
