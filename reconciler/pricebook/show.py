"""Reading the effective price book back out, for ``reconciler prices show`` and ad hoc use."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

__all__ = ["SHOW_COLUMNS", "effective_prices"]

SHOW_COLUMNS = (
    "base_model",
    "region",
    "routing",
    "tier",
    "mode",
    "charge",
    "context_tier",
    "unit",
    "price_usd",
    "effective_from",
    "effective_to",
    "layer",
    "source",
    "checked",
    "note",
    "price_id",
)


def effective_prices(
    con: duckdb.DuckDBPyConnection,
    *,
    model: str | None = None,
    region: str | None = None,
    on_date: date | None = None,
) -> list[dict[str, Any]]:
    """Rows of ``price_book`` (precedence resolved), filtered; ``*`` rows match any filter.

    A model or region filter keeps the wildcard rows too, because those price that model or
    region as well; the date filter keeps the rows in effect on that day.
    """
    rows = con.execute(
        "SELECT base_model, region, routing, tier, mode, charge, context_tier, unit,"
        " price_usd, effective_from, effective_to, layer, source, checked, note, price_id"
        " FROM price_book"
        " WHERE ($model IS NULL OR base_model IN ($model, '*'))"
        " AND ($region IS NULL OR region IN ($region, '*'))"
        " AND ($d IS NULL OR (effective_from <= $d"
        " AND (effective_to IS NULL OR $d < effective_to)))"
        " ORDER BY base_model, region, routing, tier, mode, charge, context_tier,"
        " effective_from",
        {"model": model, "region": region, "d": on_date},
    ).fetchall()
    return [dict(zip(SHOW_COLUMNS, r, strict=True)) for r in rows]
