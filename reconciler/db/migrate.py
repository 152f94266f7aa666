"""Numbered, append-only schema migrations and the public views.

``queries/schema/NNNN_<what>.sql`` files are applied once each, in order, inside one
transaction per file, and recorded in ``_migrations``; a test rejects gaps and duplicates.
Views (``queries/views/*.sql``) are code, not schema: they are re-created on every migrate so a
new version of the tool always serves its own definitions.
"""

from __future__ import annotations

import hashlib
import re

import duckdb

from reconciler.db import sql
from reconciler.db.sql import queries_dir

__all__ = ["migrate", "schema_files", "view_files"]

_NUMBERED = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def schema_files() -> list[tuple[int, str]]:
    """(version, file name) of every schema migration, in order."""
    found = []
    for path in (queries_dir() / "schema").glob("*.sql"):
        m = _NUMBERED.match(path.name)
        if not m:
            raise ValueError(f"schema file {path.name} is not named NNNN_name.sql")
        found.append((int(m.group(1)), path.name))
    return sorted(found)


def view_files() -> list[str]:
    return sorted(p.name for p in (queries_dir() / "views").glob("*.sql"))


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring the database to the current schema; return the migrations applied now."""
    sql.execute(con, "ledger/migrations_table")
    done = {row[0] for row in sql.execute(con, "ledger/migrations_applied").fetchall()}
    applied = []
    for version, name in schema_files():
        if version in done:
            continue
        text = (queries_dir() / "schema" / name).read_text(encoding="utf-8")
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(text)
            digest = hashlib.sha256(text.encode()).hexdigest()
            record = {"version": version, "name": name, "sha256": digest}
            sql.execute(con, "ledger/migration_record", record)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    create_views(con)
    return applied


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every public view; retry in rounds so files may depend on each other.

    Skipped when the database already holds exactly these definitions (table ``_views``: a
    digest of the view files, written after they were all created) and every view is there:
    re-creating some 20 views costs 0.2 s of every command (docs/performance.md)."""
    pending = {
        name: (queries_dir() / "views" / name).read_text(encoding="utf-8") for name in view_files()
    }
    digest = hashlib.sha256(
        "\0".join(f"{name}\0{text}" for name, text in sorted(pending.items())).encode()
    ).hexdigest()
    sql.execute(con, "ledger/views_table")
    views = sorted(name.removesuffix(".sql") for name in pending)
    state = sql.execute(con, "ledger/views_state", {"views": views}).fetchall()
    if state == [(digest, 0)]:  # the same definitions, and every view is there
        return
    _create(con, pending)
    sql.execute(con, "ledger/views_record", {"digest": digest})


def _create(con: duckdb.DuckDBPyConnection, pending: dict[str, str]) -> None:
    while pending:
        failed: dict[str, str] = {}
        errors: dict[str, Exception] = {}
        for name, text in pending.items():
            try:
                con.execute(text)
            except duckdb.CatalogException as exc:  # depends on a view not made yet
                failed[name] = text
                errors[name] = exc
        if len(failed) == len(pending):
            name = next(iter(errors))
            raise RuntimeError(f"view {name} cannot be created: {errors[name]}")
        pending = failed
