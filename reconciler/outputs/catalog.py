"""Which views (and tables) a database has, with their columns.

Views are re-created by every writing command, so a database last written by an older version
may lack a view or a column the outputs read; they check here first and explain (or leave a
section out) instead of failing with a binder error.
"""

from __future__ import annotations

import duckdb

from reconciler.db.sql import execute

__all__ = ["missing_columns", "view_columns"]


def view_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Tables and views of the main schema -> their column names (``report/catalog.sql``)."""
    out: dict[str, set[str]] = {}
    for table, column in execute(con, "report/catalog").fetchall():
        out.setdefault(str(table), set()).add(str(column))
    return out


def missing_columns(
    catalog: dict[str, set[str]], needed: dict[str, set[str]]
) -> dict[str, list[str]]:
    """View -> the needed columns it lacks (all of them when the view is absent), sorted; views
    that have everything are left out."""
    out = {view: sorted(cols - catalog.get(view, set())) for view, cols in needed.items()}
    return {view: cols for view, cols in out.items() if cols}
