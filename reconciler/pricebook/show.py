"""Reading the effective price book back out, for ``reconciler prices show`` and ad hoc use."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from reconciler.db import sql
from reconciler.pricebook.entries import KEY_COLUMNS

__all__ = ["SHOW_COLUMNS", "effective_prices"]

SHOW_COLUMNS = (
    *KEY_COLUMNS,
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
    params = {"model": model, "region": region, "on_date": on_date}
    rows = sql.execute(con, "pricebook/prices_show", params).fetchall()
    return [dict(zip(SHOW_COLUMNS, r, strict=True)) for r in rows]
