"""Named SQL from ``queries/``: the one place that knows where the SQL files live.

SQL that users may read (views, stages, checks, examples) lives in ``queries/`` at the repository
root. In an editable install (``make demo``/``make test``) that is ``<repo>/queries``; in a wheel
the build backend maps it to ``reconciler/queries``. Nothing else does path arithmetic.

Every file starts with a header of ``-- key: value`` comment lines (``name``, ``purpose``,
``grain``, and ``column <name>: <meaning>`` lines for views). ``header()`` parses it so that
``docs/views.md`` is generated from the SQL and cannot drift from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

__all__ = ["SqlHeader", "execute", "header", "load", "queries_dir", "scalar"]


@cache
def queries_dir() -> Path:
    """Where ``queries/`` is, for a source checkout or an installed wheel."""
    here = Path(__file__).resolve().parent.parent  # .../reconciler
    for candidate in (here.parent / "queries", here / "queries"):
        if (candidate / "schema").is_dir():
            return candidate
    raise FileNotFoundError(f"queries/ not found next to {here}")  # packaging bug


def load(name: str) -> str:
    """The text of ``queries/<name>.sql`` (``name`` like ``stages/rate``)."""
    return (queries_dir() / f"{name}.sql").read_text(encoding="utf-8")


def execute(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Run a named SQL file with ``$name`` parameters bound, never interpolated."""
    return con.execute(load(name), params or {})


def scalar(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> int:
    """The one integer a named count query returns (0 for no row or NULL)."""
    rows = execute(con, name, params).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


@dataclass(frozen=True)
class SqlHeader:
    name: str
    purpose: str = ""
    grain: str = ""
    columns: dict[str, str] = field(default_factory=dict)


_HEADER_LINE = re.compile(r"^--\s*(column\s+\w+|\w+):\s*(.*)$")


def header(text: str) -> SqlHeader:
    """Parse the leading ``-- key: value`` block of a SQL file."""
    values: dict[str, str] = {}
    columns: dict[str, str] = {}
    last: tuple[str, str] | None = None
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        m = _HEADER_LINE.match(line)
        if m:
            key, value = m.group(1), m.group(2).strip()
            if key.startswith("column"):
                col = key.split()[1]
                columns[col] = value
                last = ("column", col)
            else:
                values[key] = value
                last = ("value", key)
        elif last is not None:  # continuation line
            extra = line[2:].strip()
            if last[0] == "column":
                columns[last[1]] = f"{columns[last[1]]} {extra}".strip()
            else:
                values[last[1]] = f"{values[last[1]]} {extra}".strip()
    return SqlHeader(
        name=values.get("name", ""),
        purpose=values.get("purpose", ""),
        grain=values.get("grain", ""),
        columns=columns,
    )
