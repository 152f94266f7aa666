"""Invoice lines whose billing name no table knows: match them to the models actually logged.

AWS adds models every month, so the billing-name table (bundled, learned from the Price List,
the user's file) will always lag behind some invoice. For a usage line whose charge the grammar
understood but whose model it could not name, the natural candidates are the model ids seen in
the logs of the same account, Region and day: reconciliation compares exactly those. This module
runs the two-stage matcher (:mod:`reconciler.core.model_match`) of each such line's name against
them:

* the names tried, in order: the CUR 2.0 ``product['model']`` display name when the row has
  one ("Llama 3.3 70B"), the billing name of the usage type (``Llama4-5-90B``), the Marketplace
  product name without " (Amazon Bedrock Edition)"; the first that matches one model wins, else
  the first one's finding is kept;
* one match sets ``base_model`` (and ``mapped`` when the charge is understood) and records how in
  ``model_match``; an ambiguous or missing match leaves ``base_model`` NULL and records the
  finding with every candidate in ``model_match``, which the reconciliation shows in the
  ``unmapped_usage_type`` explanation. Never the nearest name.

It runs after each invoice ingest and again before each reconciliation (logs may arrive after
the invoice), only on lines still without a model, so a re-run never changes a matched line.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb

from reconciler.core.model_match import ModelMatch, match_model
from reconciler.db import sql

__all__ = ["match_counts", "match_invoice_models"]

_EDITION = " (Amazon Bedrock Edition)"
_SERVICE_NAMES = frozenset({"Amazon Bedrock", "Amazon Bedrock Service"})


def _names(display: str | None, billing: str | None, product: str | None) -> list[str]:
    """The names to try, best first; a Mantle billing name keeps its ``-mantle`` boundary."""
    names: list[str] = []
    for name in (display, billing, product):
        if name and name.endswith(_EDITION):
            name = name.removesuffix(_EDITION)
        if name and name not in names and name not in _SERVICE_NAMES:
            names.append(name)
    return names


def _match(names: list[str], candidates: list[str]) -> ModelMatch | None:
    first: ModelMatch | None = None
    for name in names:
        result = match_model(name, candidates)
        if result.matched:
            return result
        first = first or result
    return first


def match_invoice_models(
    con: duckdb.DuckDBPyConnection, start: date | None = None, end: date | None = None
) -> dict[str, int]:
    """Match the model-less usage lines (of usage dates ``start``..``end``, default all).

    Returns counts: ``model_matched`` lines given a model, ``model_unmatched`` lines left
    without one (ambiguous or missing: a finding naming the candidates).
    """
    window = {"start": start or date(1970, 1, 1), "end": end or date(9999, 12, 31)}
    keys = sql.execute(con, "stages/invoice_model_pending", window).fetchall()
    counts = {"model_matched": 0, "model_unmatched": 0}
    if not keys:
        return counts
    candidates: dict[tuple[str, str, date], list[str]] = defaultdict(list)
    for account, region, day, models in sql.execute(
        con, "stages/invoice_model_candidates", window
    ).fetchall():
        candidates[(account, region, day)] = sorted(models)
    updates = []
    for account, region, day, display, billing, product, endpoint, lines in keys:
        pool = candidates.get((account, region, day), [])
        # a Mantle line (normally named by its embedded id already) goes through stage 1
        name = f"{billing}-mantle" if endpoint == "mantle" and billing else billing
        result = _match(_names(display, name, product), pool)
        if result is None:
            continue
        note = result.describe() + f" [account {account}, {region}, {day}]"
        updates.append(
            {
                "a": account,
                "r": region,
                "d": day,
                "disp": display,
                "bill": billing,
                "prod": product,
                "model": result.model_id,
                "note": note,
            }
        )
        counts["model_matched" if result.matched else "model_unmatched"] += int(lines)
    for u in updates:
        sql.execute(con, "stages/invoice_model_update", u)
    return counts


def match_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """For the lines loaded by ``run_id``: still unmapped usage lines, and lines the matcher gave
    a model (``model_matched``) or left with a finding (``model_unmatched``)."""
    row = sql.execute(con, "ingest/invoice_match_counts", {"run_id": run_id}).fetchone()
    row = row or (0, 0, 0)
    return {
        "unmapped_rows": int(row[0]),
        "model_matched": int(row[1]),
        "model_unmatched": int(row[2]),
    }
