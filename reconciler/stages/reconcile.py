"""Reconciliation: rated usage against the invoice, bucket by bucket, with a likely cause.

Inputs: ``rated_usage`` (daily, per team/application) and ``invoice_line_items`` (as billed).
Output: ``reconciliation_rows`` (the ``reconciliation`` view; ``bill_bridge`` is a view over it).

The logic lives in ``queries/stages/reconcile.sql`` so that users can read how a cause is decided;
this module binds the window and the tolerances and counts what happened. Invariants:

* A window of usage dates is replaced as a whole (delete, then insert, in one transaction), so
  re-running it never double counts.
* ``delta_usd = invoiced_cost_usd - coalesce(rated_cost_usd, 0)`` exactly, on DECIMAL columns.
  Every logged row and every invoice line of the window lands in exactly one bucket, so the rated
  and invoiced totals of the window are the sums of the rows and the bill bridge has no residual.
* Tokens sent through provisioned throughput are covered by the model-unit hours: their bucket
  has cause ``provisioned_tokens`` and is matched (no token line, no token price needed); the
  hours are a ``non_token_charge`` row that the allocation splits by those tokens. Tokens sent to
  an imported model (mode ``custom_import``) are covered the same way by the Custom Model Unit
  minutes and take the same cause.
* Unpriced usage is never rated at $0: its bucket keeps ``rated_cost_usd`` NULL (or the priced
  part) and carries cause ``unpriced_usage``, always a gap.

Findings are buckets whose status is ``gap`` (beyond tolerance, or unpriced, or unmapped).
The causes are ``reconciler.core.vocabulary.CAUSES`` (the ``vocab_causes`` table in SQL).
"""

from __future__ import annotations

import time
from decimal import Decimal

from reconciler.db import sql
from reconciler.db.connect import transaction
from reconciler.db.stage import StageContext, StageResult
from reconciler.ingest.invoice_models import match_invoice_models

__all__ = ["READS", "WRITES", "run"]

READS = ("rated_usage", "invoice_line_items", "invocation_records", "model_ids")
WRITES = ("reconciliation_rows", "invoice_line_items")


def run(ctx: StageContext) -> StageResult:
    """Reconcile the usage dates of ``ctx.window()`` (inclusive), replacing what was there."""
    began = time.perf_counter()
    con, settings = ctx.con, ctx.settings
    start, end = ctx.window()
    window = {"start": start, "end": end}
    params = window | {
        "abs_tol": settings.tolerances.absolute_usd,
        # Python Decimal divides exactly; DuckDB would turn the division into a DOUBLE.
        "pct_factor": settings.tolerances.percent / Decimal(100),
        "run_id": ctx.run_id,
    }
    with transaction(con):
        # invoice lines whose model no table named: match them to the models logged that day
        # (logs may have arrived after the invoice)
        matched = match_invoice_models(con, start, end)
        sql.execute(con, "stages/reconcile_delete", window)
        # only rows that take part: Cost Explorer lines ignored by the CUR-wins rule are not in
        row = sql.execute(con, "stages/reconcile_inputs", window).fetchone()
        rows_in = int(row[0]) if row else 0
        sql.execute(con, "stages/reconcile", params)
        summary = sql.execute(con, "stages/reconcile_summary", window).fetchall()
    result = StageResult("reconcile", rows_in=rows_in)
    if matched["model_matched"] or matched["model_unmatched"]:
        result.counts.update(matched)
    rated = invoiced = gap_usd = Decimal(0)
    for cause, n, gaps, r, i, g in summary:
        result.rows_out += n
        result.counts[cause] = n
        result.findings += gaps
        rated, invoiced, gap_usd = rated + r, invoiced + i, gap_usd + g
    result.amounts = {
        "rated_usd": str(rated),
        "invoiced_usd": str(invoiced),
        "gap_usd": str(gap_usd),
    }
    result.seconds = time.perf_counter() - began
    return result
