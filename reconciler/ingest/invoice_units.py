"""The x1000 unit check: does each invoice line's billed cost agree with the price book?

``unit_check`` of every invoice line says whether the billed quantity times the list price is
the billed cost (``ok``), off by a power of ten (a unit error, not missing traffic) or cannot be
told (``unknown``). It compares with the price book, so it is re-run after every price change
(the pipeline's ``invoice_units`` stage) and after every invoice ingest; it is cheap and
idempotent, and the same verdicts again write nothing.
"""

from __future__ import annotations

import duckdb

from reconciler.db import sql
from reconciler.db.publish import write_if_changed
from reconciler.db.stage import StageContext, StageResult
from reconciler.ingest.invoice_models import match_invoice_models

__all__ = ["READS", "WRITES", "check_units", "run"]

READS = ("invoice_line_items", "prices", "model_ids", "invocation_records")
WRITES = ("invoice_line_items",)


def run(ctx: StageContext) -> StageResult:
    """The ``invoice_units`` stage: :func:`check_units` over every invoice line."""
    check_units(ctx.con)
    return StageResult("invoice_units")


def check_units(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)compute ``unit_check`` of every invoice line against the current price book.

    Lines whose model no table named are matched to the logged models first
    (:func:`~reconciler.ingest.invoice_models.match_invoice_models`), so they are checked too;
    returns that match's counts.
    """
    matched = match_invoice_models(con)
    # the same verdicts again write nothing
    with write_if_changed(con, sql.load("ingest/invoice_units_digest")):
        sql.execute(con, "ingest/invoice_units_reset")
        sql.execute(con, "stages/invoice_unit_check")
    return matched
